import Testing
import TestSupport
@testable import Postgres

@Suite struct ErrorTests {
    @Test func aUniqueViolationCarriesItsSQLStateAndConstraint() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            try connection.executeScript("CREATE TABLE decisions (id text CONSTRAINT decisions_key PRIMARY KEY)")
            try connection.execute("INSERT INTO decisions VALUES ($1)", ["d-1"])
            #expect {
                try connection.execute("INSERT INTO decisions VALUES ($1)", ["d-1"])
            } throws: { error in
                guard let error = error as? PostgresError else { return false }
                return error.sqlState == .uniqueViolation && error.constraint == "decisions_key"
                    && error.message.contains("duplicate key") && "\(error)".contains("23505")
                    && !error.connectionLost
            }
            #expect(try connection.query("SELECT count(*) FROM decisions")[0].decode(Int.self, at: 0) == 1)
        }
    }

    @Test func aSyntaxErrorCarriesItsSQLState() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            #expect { try connection.query("SELEC 1") } throws: { error in
                (error as? PostgresError)?.sqlState?.rawValue == "42601"
            }
        }
    }

    @Test func aServerThatAnswersAndRefusesFailsAtOnceWithoutRetrying() throws {
        let server = try PostgresSettings(try PostgresTestServer.url())
        let clock = ContinuousClock()
        let started = clock.now
        #expect(throws: PostgresError.self) {
            try PostgresConnection(server.setting("dbname", to: "no_such_database_here"), reconnect: .standard)
        }
        #expect(clock.now - started < .seconds(5))
    }
}
