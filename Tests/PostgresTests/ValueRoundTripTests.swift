import Foundation
import TestSupport
import Testing
@testable import Postgres

@Suite struct ValueRoundTripTests {
    @Test func textThatLooksLikeSQLIsStoredAsData() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            try connection.executeScript("CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL)")
            let hostile = [
                "'; DROP TABLE notes; --",
                "\"double\" and 'single' quotes, '' doubled",
                "a; b; SELECT 1;",
                "/* block comment */ -- line comment",
                "$1 $$ dollar $tag$ quoting $tag$",
                "back\\slash \\x00 \\N",
                "tab\tnewline\ncarriage\rreturn",
                "unicode: Grüße, 日本語, עברית, 🦀, e\u{301}",
            ]
            let insert = try connection.prepare("INSERT INTO notes (id, body) VALUES ($1, $2)")
            for (id, text) in hostile.enumerated() {
                try connection.execute(insert, [.integer(Int32(id)), .text(text)])
            }
            let stored = try connection.query("SELECT body FROM notes ORDER BY id").map { try $0.decode(String.self, at: 0) }
            #expect(stored == hostile)
            let found = try connection.query("SELECT id FROM notes WHERE body = $1", [.text(hostile[0])])
            #expect(try found.map { try $0.decode(Int.self, at: 0) } == [0])
        }
    }

    @Test func textContainingNULIsRefusedBeforeAnythingIsSent() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            #expect {
                try connection.query("SELECT $1", [.text("a\u{0}b")])
            } throws: { error in
                (error as? PostgresError)?.message.contains("U+0000") == true
            }
            #expect(try connection.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
        }
    }

    @Test func everySupportedTypeComesBackAsSent() throws {
        let values: [PostgresValue] = [
            .bool(true), .bool(false),
            .smallint(.min), .smallint(.max), .integer(.min), .integer(.max), .bigint(.min), .bigint(.max),
            .double(0.1), .double(-1.5e300), .double(.leastNonzeroMagnitude), .double(.infinity),
            .numeric(PostgresNumeric("12345678901234567890.123456789")!), .numeric(PostgresNumeric("-0.000001")!),
            .numeric(PostgresNumeric("1.50")!), .numeric(PostgresNumeric("0")!),
            .text(""), .text("plain"),
            .bytea([]), .bytea((0...255).map { UInt8($0) }),
            .timestamptz(PostgresTimestamp(microsecondsSince2000: 762_525_296_789_012)),
            .timestamptz(PostgresTimestamp(microsecondsSince2000: -1)),
            .date(PostgresDate(daysSince2000: 8_826)), .date(PostgresDate(daysSince2000: -1_000_000)),
        ]
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            for value in values {
                let row = try connection.query("SELECT $1", [value])[0]
                #expect(row[0] == value)
                #expect(row.columns.types[0] == value.type)
            }
            let nulls = try connection.query("SELECT $1::integer, $2::text", [.null, nil])[0]
            #expect(nulls.values == [.null, .null])
            #expect(try nulls.decode(Int?.self, at: 0) == nil)
        }
    }

    @Test func numericDecodesToTheServersOwnText() throws {
        let inputs = ["0", "1", "-1", "0.000001", "-0.000001", "1.50", "100", "10000", "9999.9999",
                      "0.00000000000000000001", "123456789012345678901234567890", "-5.5",
                      "12345678901234567890.123456789", "0.1000", "NaN", "Infinity", "-Infinity"]
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            for input in inputs {
                let row = try connection.query("SELECT $1::numeric, $1::numeric::text", [.text(input)])[0]
                let decoded = try row.decode(PostgresNumeric.self, at: 0)
                #expect(decoded.text == (try row.decode(String.self, at: 1)), "input \(input)")
            }
        }
    }

    @Test func timestampsAgreeWithAnIndependentCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let leapDay = calendar.date(from: DateComponents(year: 2024, month: 2, day: 29, hour: 12, minute: 34, second: 56))!
            .addingTimeInterval(0.789_012)
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            let row = try connection.query("SELECT '2024-02-29 12:34:56.789012+00'::timestamptz, '2024-03-01'::date")[0]
            #expect(try row.decode(PostgresTimestamp.self, at: 0) == PostgresTimestamp(leapDay))
            let dayAfter = calendar.dateComponents([.day], from: calendar.date(from: DateComponents(year: 2000, month: 1, day: 1))!,
                                                   to: calendar.date(byAdding: .day, value: 1, to: leapDay)!).day!
            #expect(try row.decode(PostgresDate.self, at: 1) == PostgresDate(daysSince2000: Int32(dayAfter)))
            // The text form is read back by the server as the same instant, before year 1 too.
            for text in ["0044-03-15 12:00:00+00 BC", "1999-12-31 23:59:59.999999+00", "2000-01-01 00:00:00+00"] {
                let parsed = try connection.query("SELECT $1::timestamptz", [.text(text)])[0]
                    .decode(PostgresTimestamp.self, at: 0)
                let same = try connection.query("SELECT $1 = $2::timestamptz", [.timestamptz(parsed), .text(text)])[0]
                #expect(try same.decode(Bool.self, at: 0), "\(text) written as \(parsed)")
            }
        }
    }

    @Test func decodingTheWrongTypeNamesTheColumn() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            let row = try connection.query("SELECT 'x'::text AS label, NULL::integer AS missing")[0]
            #expect { try row.decode(Int.self, column: "label") } throws: { error in
                "\(error)".contains("\"label\"")
            }
            #expect(throws: PostgresError.self) { try row.decode(Int.self, column: "missing") }
            #expect(try row.decode(Int?.self, column: "missing") == nil)
            #expect { try connection.query("SELECT '{}'::jsonb AS document") } throws: { error in
                "\(error)".contains("document::text")
            }
        }
    }
}
