import TestSupport
import Testing
@testable import Postgres

@Suite struct TransactionTests {
    struct Abandon: Error {}

    private func count(_ connection: PostgresConnection) throws -> Int {
        try connection.query("SELECT count(*) FROM entries")[0].decode(Int.self, at: 0)
    }

    @Test func aThrowingBodyRollsEverythingBack() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            try connection.executeScript("CREATE TABLE entries (id integer PRIMARY KEY)")
            #expect(throws: Abandon.self) {
                try connection.transaction {
                    try connection.execute("INSERT INTO entries VALUES (1), (2)")
                    throw Abandon()
                }
            }
            #expect(try count(connection) == 0)
            let inserted = try connection.transaction { try connection.execute("INSERT INTO entries VALUES (3)") }
            #expect(inserted == 1)
            #expect(try count(try database.connect()) == 1)
        }
    }

    @Test func aFailedStatementCaughtInsideStillPreventsTheCommit() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            try connection.executeScript("CREATE TABLE entries (id integer PRIMARY KEY)")
            #expect(throws: PostgresError.self) {
                try connection.transaction {
                    try connection.execute("INSERT INTO entries VALUES (1)")
                    _ = try? connection.execute("INSERT INTO entries VALUES (1)")
                }
            }
            #expect(try count(connection) == 0)
        }
    }

    @Test func transactionsDoNotNest() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            #expect(throws: PostgresError.self) {
                try connection.transaction { try connection.transaction {} }
            }
            #expect(try connection.query("SELECT 1").count == 1)
        }
    }
}
