import TestSupport
import Testing
@testable import Postgres

@Suite struct CopyOutTests {
    private struct Stop: Error {}

    private static func fill(_ connection: PostgresConnection, count: Int) throws {
        try connection.executeScript("""
            CREATE TABLE samples (id bigint PRIMARY KEY, label text, payload bytea, at timestamptz, score double precision);
            INSERT INTO samples
            SELECT i, 'row ' || i || E'\\t\\\\', CASE WHEN i % 7 = 0 THEN NULL ELSE decode(lpad(to_hex(i), 8, '0'), 'hex') END,
                   timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second', i / 3.0
            FROM generate_series(1, \(count)) AS i
            """)
    }

    /// The rows streamed out are exactly the rows a query returns, in order, nulls included.
    @Test func copyOutYieldsTheSameRowsAsAQuery() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            try Self.fill(connection, count: 30_000)
            let sql = "SELECT id, label, payload, at, score FROM samples ORDER BY id"
            var streamed: [[PostgresValue]] = []
            let count = try connection.copyOut(sql, types: [.bigint, .text, .bytea, .timestamptz, .double]) { streamed.append($0) }
            #expect(count == 30_000)
            #expect(streamed == (try connection.query(sql)).map(\.values))
            #expect(streamed[6][2] == .null)
            #expect(streamed[0][2] == .bytea([0, 0, 0, 1]))
        }
    }

    /// A failing consumer of the rows stops nothing on the server's side: its error comes back
    /// and the connection goes on working.
    @Test func anErrorInTheRowHandlerIsRethrownAndTheConnectionStaysUsable() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            try Self.fill(connection, count: 5_000)
            var seen = 0
            #expect(throws: Stop.self) {
                try connection.copyOut("SELECT id FROM samples", types: [.bigint]) { _ in
                    seen += 1
                    if seen == 10 { throw Stop() }
                }
            }
            #expect(seen == 10)
            #expect(try connection.query("SELECT count(*) FROM samples")[0].decode(Int.self, at: 0) == 5_000)
        }
    }

    @Test func aColumnCountOrTypeOtherThanDeclaredIsAnErrorNamingTheRow() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            try Self.fill(connection, count: 3)
            #expect { try connection.copyOut("SELECT id, label FROM samples", types: [.bigint]) { _ in } } throws: { error in
                "\(error)".contains("row 1 has 2 columns")
            }
            #expect { try connection.copyOut("SELECT label FROM samples", types: [.bigint]) { _ in } } throws: { error in
                "\(error)".contains("row 1 column 1")
            }
            #expect(try connection.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
        }
    }
}
