import Foundation
import Testing
import TestSupport
@testable import Postgres

@Suite struct ReconnectTests {
    @Test func aTerminatedSessionIsReplacedOnTheNextOperation() throws {
        try TestDatabase.withFresh { database in
            let connection = try database.connect()
            let administrator = try database.connect()
            let statement = try connection.prepare("SELECT $1::integer + 1")
            try connection.listen("wake")
            let firstProcess = try connection.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
            try administrator.execute("SELECT pg_terminate_backend($1)", [.integer(firstProcess)])

            #expect { try connection.query("SELECT 1") } throws: { error in
                (error as? PostgresError)?.connectionLost == true
            }
            #expect(try connection.query(statement, [.integer(41)])[0].decode(Int.self, at: 0) == 42)
            let secondProcess = try connection.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
            #expect(secondProcess != firstProcess)
            try administrator.notify("wake", payload: "still listening")
            #expect(try connection.nextNotification(timeout: .seconds(10))?.payload == "still listening")
        }
    }

    /// Stops and starts a cluster of the test's own (socket only), so no other test notices.
    @Test func aConnectionWaitsWithBackOffForARestartedServer() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("routeledger-pg-restart-\(UUID().uuidString.prefix(8))").path
        let environment = ["ROUTELEDGER_PG_LISTEN": "", "ROUTELEDGER_PG_PORT": "54329"]
        defer {
            _ = try? PostgresTestServer.runClusterScript(["stop", directory], environment: environment)
            try? FileManager.default.removeItem(atPath: directory)
        }
        _ = try PostgresTestServer.runClusterScript(["start", directory], environment: environment)
        let url = try PostgresTestServer.runClusterScript(["url", directory], environment: environment)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let connection = try PostgresConnection(try PostgresSettings(url), reconnect: .standard)
        #expect(try connection.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)

        _ = try PostgresTestServer.runClusterScript(["stop", directory], environment: environment)
        #expect { try connection.query("SELECT 1") } throws: { error in
            (error as? PostgresError)?.connectionLost == true
        }
        let clock = ContinuousClock()
        let stopped = clock.now
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.5) {
            _ = try? PostgresTestServer.runClusterScript(["start", directory], environment: environment)
        }
        #expect(try connection.query("SELECT 2")[0].decode(Int.self, at: 0) == 2)
        #expect(clock.now - stopped >= .seconds(1.5))
    }
}
