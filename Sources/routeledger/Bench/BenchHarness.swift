import Foundation
import Postgres
import Ranking

/// What the benchmarks share beyond waiting (`Polling`): scratch databases and the percentiles
/// of their latencies.
enum BenchHarness {
    /// The q-quantile of `values`, interpolated as `linearQuantile` does for the router's own
    /// figures; 0 for no values.
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        values.isEmpty ? 0 : linearQuantile(values, q)
    }

    /// A migrated database of its own on the server, dropped when `body` returns.
    static func withScratchDatabase(on server: PostgresSettings, _ body: (PostgresSettings) throws -> Void) throws {
        let admin = try DatabaseOption.connect(server, waitingUpTo: 10)
        let name = "routeledger_bench_\(ProcessInfo.processInfo.processIdentifier)_\(UInt32.random(in: 0...UInt32.max))"
        let quoted = try PostgresConnection.quoteIdentifier(name)
        try admin.executeScript("CREATE DATABASE \(quoted)")
        defer { try? admin.executeScript("DROP DATABASE \(quoted) WITH (FORCE)") }
        let settings = server.setting("dbname", to: name)
        try Migrator(roles: try SchemaRoles()).migrate(try PostgresConnection(settings))
        try body(settings)
    }
}
