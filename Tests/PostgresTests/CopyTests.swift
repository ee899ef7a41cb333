import TestSupport
import Testing
@testable import Postgres

@Suite struct CopyTests {
    @Test func copyWritesManyRowsExactly() throws {
        let count = 50_000
        let rows: [[PostgresValue]] = (0..<count).map { (i: Int) -> [PostgresValue] in
            let payload: PostgresValue = i % 7 == 0 ? .null : .bytea([UInt8(i % 256), 0, 92])
            let at = PostgresTimestamp(microsecondsSince2000: Int64(i) * 1_000_000_007)
            return [.bigint(Int64(i)), .numeric(PostgresNumeric(units: Int64(i) * 1_000_001, scale: 6)),
                    .text("row \(i)\twith\\tab\nand newline"), payload, .timestamptz(at), .bool(i % 2 == 0)]
        }
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            try connection.executeScript("""
                CREATE TABLE samples (id bigint PRIMARY KEY, amount numeric(20, 6), label text,
                                      payload bytea, at timestamptz, even boolean)
                """)
            let written = try connection.copy(into: "samples", columns: ["id", "amount", "label", "payload", "at", "even"],
                                              rows: rows)
            #expect(written == count)
            let totals = try connection.query("SELECT count(*), sum(amount), count(payload) FROM samples")[0]
            #expect(try totals.decode(Int.self, at: 0) == count)
            // sum of i * 1.000001 for i < n is n(n-1)/2 * 1.000001
            let expectedSum = Int64(count * (count - 1) / 2) * 1_000_001
            #expect(try totals.decode(PostgresNumeric.self, at: 1).units(scale: 6) == expectedSum)
            #expect(try totals.decode(Int.self, at: 2) == (0..<count).filter { $0 % 7 != 0 }.count)
            let stored = try connection.query("SELECT id, amount, label, payload, at, even FROM samples ORDER BY id")
            #expect(stored.map(\.values) == rows)
        }
    }

    @Test func aRowOfTheWrongLengthWritesNothing() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            try connection.executeScript("CREATE TABLE pairs (a integer, b integer)")
            let rows: [[PostgresValue]] = [[1, 2], [3, 4], [5]]
            #expect { try connection.copy(into: "pairs", columns: ["a", "b"], rows: rows) } throws: { error in
                "\(error)".contains("row 3")
            }
            #expect(try connection.query("SELECT count(*) FROM pairs")[0].decode(Int.self, at: 0) == 0)
        }
    }

    @Test func aRowTheServerRejectsWritesNothingAndCarriesItsSQLState() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            try connection.executeScript("CREATE TABLE keyed (id integer PRIMARY KEY)")
            #expect {
                try connection.copy(into: "keyed", columns: ["id"], rows: [[1], [2], [1]] as [[PostgresValue]])
            } throws: { error in
                (error as? PostgresError)?.sqlState == .uniqueViolation
            }
            #expect(try connection.query("SELECT count(*) FROM keyed")[0].decode(Int.self, at: 0) == 0)
        }
    }
}
