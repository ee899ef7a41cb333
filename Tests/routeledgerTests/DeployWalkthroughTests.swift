import Foundation
import Testing
import TestSupport

/// README.md's "Deploy it yourself", run as written: a private PostgreSQL cluster, the embedded
/// broker, a memory imported into the database, three stage processes, queries and usage
/// reports sent with `produce`, and the money read back with psql and `audit`.
@Suite struct DeployWalkthroughTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The README section's shell blocks: the set-up, then the walk-through.
    private static func blocks() throws -> [String] {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "\n## Deploy it yourself\n").dropFirst().first?
            .components(separatedBy: "\n## ").first, "README.md has no 'Deploy it yourself' section")
        return section.components(separatedBy: "```sh\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
    }

    @Test func theSetUpBlockIsTheOneTheREADMEOpensWith() throws {
        let blocks = try Self.blocks()
        try #require(blocks.count == 2)
        #expect(blocks[0].hasPrefix("ops/setup.sh\n"))
        #expect(blocks[0].contains("export PATH=\"$PWD/.build/release:$PATH\""))
    }

    @Test(.timeLimit(.minutes(10)))
    func theWalkthroughRoutesQueriesAndBooksTheirMoney() throws {
        let walkthrough = try #require(try Self.blocks().last)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("walkthrough-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: work) }
        let tool = try #require(Bundle.main.executableURL?.deletingLastPathComponent())
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        // What the set-up block does (the tool on PATH) is done here for the tests' own build; the
        // trap stops whatever the walk-through started, should it fail half way.
        process.arguments = ["-euo", "pipefail", "-c", """
            trap 'kill $(jobs -p) 2>/dev/null || true; ops/pg-cluster.sh stop "$WORK/pg" >/dev/null 2>&1 || true' EXIT
            \(walkthrough)
            """]
        process.currentDirectoryURL = Self.root
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "\(tool.path):\(environment["PATH"] ?? "/usr/bin:/bin")"
        environment["WORK"] = work.path
        environment["DATA"] = try SharedFixtures.directory().appendingPathComponent("data").path
        // A cluster of its own beside the tests' one: socket only, so no TCP port can clash.
        environment["ROUTELEDGER_PG_LISTEN"] = ""
        environment["ROUTELEDGER_PG_PORT"] = String(Int.random(in: 40_000...50_000))
        for inherited in ["ROUTELEDGER_DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "ROUTELEDGER_MEMORY", "PGHOST", "PGPORT", "PGDATABASE"] {
            environment[inherited] = nil
        }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")

        // Every query decided and booked with its usage, at its model's price by hand:
        // GPT-4 120 × $10 + 80 × $30 per million = $0.003600; Mixtral 200 × $0.24 = $0.000048.
        let rows = text.split(separator: "\n").filter { $0.hasPrefix(" q") && $0.dropFirst(2).first?.isNumber == true }
        #expect(rows.count == 6, "\(text)")
        var strong = 0
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            switch cells[1] {
            case "gpt-4-1106-preview": #expect(cells[2] == "0.003600" && cells[4] == "0.000000"); strong += 1
            case "mixtral-8x7b-instruct-v0.1": #expect(cells[2] == "0.000048" && cells[4] == "0.003552")
            default: Issue.record("unexpected model in \(row)")
            }
            #expect(cells[3] == "0.003600" && cells[5] == #"{"team": "math"}"#)
        }
        let cost = strong * 3_600 + (6 - strong) * 48
        let dollars = String(format: "0.%06d", cost)
        // The finance view and `audit` agree with the rows.
        #expect(text.contains("| acme   |        6 | \(dollars) |         0.021600 |"), "\(text)")
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("TOTAL") && $0.contains(" 6 ") && $0.contains(dollars) }, "\(text)")
    }
}
