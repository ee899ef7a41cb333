import Foundation
import Postgres
import Testing
import TestSupport

/// `routeledger prices set|import|list|history`: who may add prices, history that is never
/// rewritten, and flags refused by name.
@Suite struct PricesCommandTests {
    private static func prices(_ arguments: [String], on database: String) throws -> RouteLedgerTool.Result {
        try RouteLedgerTool.run(["prices"] + arguments + ["--database", database])
    }

    private static func listed(_ arguments: [String], on database: String) throws -> [[String: Any]] {
        let result = try prices(arguments + ["--format", "json"], on: database)
        try #require(result.status == 0, "prices \(arguments) failed: \(result.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        return try #require(object["prices"] as? [[String: Any]])
    }

    @Test func aPriceAdministratorSetsPricesFromNowOnAndTheWriterCannot() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let owner = database.connectionString
            let first = try Self.prices(["set", "--model", "strong", "--input", "10", "--output", "30.5", "--from", "always"], on: owner)
            #expect(first.status == 0 && first.output.contains("strong"), "\(first.error)")
            // A later price from a future date: the list shows the price in effect at each time.
            let later = try Self.prices(["set", "--model", "strong", "--input", "12", "--output", "36", "--from", "2999-01-01"], on: owner)
            #expect(later.status == 0, "\(later.error)")
            let now = try Self.listed(["list"], on: owner)
            #expect(now.map { $0["input_usd_per_million"] as? String } == ["10.000000"])
            #expect(now.map { $0["output_usd_per_million"] as? String } == ["30.500000"])
            let then = try Self.listed(["list", "--at", "2999-06-01"], on: owner)
            #expect(then.map { $0["input_usd_per_million"] as? String } == ["12.000000"])
            #expect(try Self.listed(["history", "--model", "strong"], on: owner).count == 2)

            // History is not rewritten: no price of a priced model before now.
            let past = try Self.prices(["set", "--model", "strong", "--input", "0", "--output", "0", "--from", "2000-01-01"], on: owner)
            #expect(past.status == 1 && past.error.contains("before now"))
            #expect(try Self.listed(["history"], on: owner).count == 2)

            let badAmount = try Self.prices(["set", "--model", "weak", "--input", "1.0000001", "--output", "2"], on: owner)
            #expect(badAmount.status == 2 && badAmount.error.contains("--input"))
            let badTime = try Self.prices(["set", "--model", "weak", "--input", "1", "--output", "2", "--from", "2026-13-01"], on: owner)
            #expect(badTime.status == 2 && badTime.error.contains("--from"))
            let missing = try Self.prices(["set", "--model", "weak", "--input", "1"], on: owner)
            #expect(missing.status == 2 && missing.error.contains("--output"))

            // A login in the writer role, as the stages connect: refused, and nothing added.
            let connection = try database.connect()
            let login = "ledger_\(UUID().uuidString.prefix(8).lowercased())"
            let quoted = try PostgresConnection.quoteIdentifier(login)
            try connection.executeScript("CREATE ROLE \(quoted) LOGIN IN ROLE \(try PostgresConnection.quoteIdentifier(database.roles.writer))")
            defer { try? connection.executeScript("DROP ROLE \(quoted)") }
            let writer = database.connectionString(asUser: login)
            let refused = try Self.prices(["set", "--model", "weak", "--input", "0", "--output", "0", "--from", "always"], on: writer)
            #expect(refused.status == 1 && refused.error.contains("price_admin"))
            #expect(try Self.listed(["history"], on: writer).map { $0["model"] as? String } == ["strong", "strong"])
        }
    }

    @Test func importAddsTheConfiguredPricesOnce() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let configuration = folder.appendingPathComponent("routeledger.json")
            try Data("""
                {"models": [{"name": "strong", "input_per_million": "10", "output_per_million": "30"},
                            {"name": "weak", "input_per_million": "0.25", "output_per_million": "1"}],
                 "routing": {"strong": "strong", "weak": "weak", "threshold": 0.5},
                 "memory": "database"}
                """.utf8).write(to: configuration)
            let first = try Self.prices(["import", "--config", configuration.path], on: database.connectionString)
            #expect(first.status == 0 && first.output.contains("2 added"), "\(first.error)")
            let again = try Self.prices(["import", "--config", configuration.path], on: database.connectionString)
            #expect(again.status == 0 && again.output.contains("0 added, 2 already in effect"))
            let rows = try Self.listed(["list"], on: database.connectionString)
            #expect(rows.map { $0["model"] as? String } == ["strong", "weak"])
            #expect(rows.map { $0["input_usd_per_million"] as? String } == ["10.000000", "0.250000"])

            let unreadable = try Self.prices(["import", "--config", folder.appendingPathComponent("absent.json").path],
                                             on: database.connectionString)
            #expect(unreadable.status != 0 && unreadable.error.contains("absent.json"))
        }
    }

    /// The components providers bill apart: set with their options, shown by list and history
    /// (a rate not set is `-`, or null), compared by import like the rates (a changed fee is a
    /// new price), and refused by name when they are no amount.
    @Test func theComponentsAreSetListedAndImported() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let owner = database.connectionString
            let weak = try Self.prices(["set", "--model", "weak", "--input", "1", "--output", "2", "--cached-input", "0.5", "--reasoning", "4",
                                        "--per-request", "0.002", "--from", "always"], on: owner)
            #expect(weak.status == 0 && weak.output.contains("$0.500000 per million cached input tokens, $4.000000 per million reasoning "
                                                               + "tokens, $0.002000 per request"), "\(weak.output)\(weak.error)")
            let strong = try Self.prices(["set", "--model", "strong", "--input", "10", "--output", "30", "--from", "always"], on: owner)
            #expect(strong.status == 0, "\(strong.error)")
            let rows = try Self.listed(["list"], on: owner)
            func column(_ name: String) -> [String] { rows.map { ($0[name] as? String) ?? "null" } }
            #expect(column("model") == ["strong", "weak"])
            #expect(column("cached_input_usd_per_million") == ["null", "0.500000"])
            #expect(column("reasoning_usd_per_million") == ["null", "4.000000"])
            #expect(column("per_request_usd") == ["0.000000", "0.002000"])
            let table = try Self.prices(["history"], on: owner)
            let lines = table.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(lines.first == ["model", "price_id", "input_usd_per_million", "output_usd_per_million", "cached_input_usd_per_million",
                                    "reasoning_usd_per_million", "per_request_usd", "effective_from"], "\(table.output)")
            #expect(lines.dropFirst().map { Array($0[2...6]) } == [["10.000000", "30.000000", "-", "-", "0.000000"],
                                                                   ["1.000000", "2.000000", "0.500000", "4.000000", "0.002000"]])

            for (option, value) in [("--per-request", "abc"), ("--cached-input", "1.0000001"), ("--reasoning", "-1")] {
                let refused = try Self.prices(["set", "--model", "weak", "--input", "1", "--output", "2", option, value], on: owner)
                #expect(refused.status == 2 && refused.error.contains(option), "\(option) \(refused.error)")
            }

            // The configuration's models with the same components: nothing to add; a changed fee
            // is a new price of weak from now on.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let configuration = folder.appendingPathComponent("routeledger.json")
            func configure(fee: String) throws {
                try Data("""
                    {"models": [{"name": "strong", "input_per_million": "10", "output_per_million": "30"},
                                {"name": "weak", "input_per_million": "1", "output_per_million": "2", "cached_input_per_million": "0.5",
                                 "reasoning_per_million": "4", "per_request": "\(fee)"}],
                     "routing": {"strong": "strong", "weak": "weak", "threshold": 0.5},
                     "memory": "database"}
                    """.utf8).write(to: configuration)
            }
            try configure(fee: "0.002")
            let same = try Self.prices(["import", "--config", configuration.path], on: owner)
            #expect(same.status == 0 && same.output.contains("0 added, 2 already in effect"), "\(same.output)\(same.error)")
            try configure(fee: "0.003")
            let changed = try Self.prices(["import", "--config", configuration.path], on: owner)
            #expect(changed.status == 0 && changed.output.contains("1 added, 1 already in effect"), "\(changed.output)\(changed.error)")
            #expect(try Self.listed(["list"], on: owner).map { ($0["per_request_usd"] as? String) ?? "null" } == ["0.000000", "0.003000"])
        }
    }
}
