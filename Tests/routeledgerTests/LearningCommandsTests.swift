import Foundation
import Postgres
import Testing
import TestSupport

/// `import --database` and `bench learn` as a user runs them.
@Suite struct LearningCommandsTests {
    /// The database's settings as a libpq keyword string, for `--database`.
    private static func connectionString(_ settings: PostgresSettings) -> String {
        settings.parameters.map { "\($0.keyword)='\($0.value.replacingOccurrences(of: "'", with: "\\'"))'" }.joined(separator: " ")
    }

    @Test func importIntoTheDatabaseStoresTheBattlesAndARatingsVersion() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("learn-import-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("battles.jsonl")
            try Data("""
                {"prompt": "prove that 17 is prime", "model_a": "big", "model_b": "small", "winner": "model_a", "time": "2026-01-02T03:04:05Z"}
                {"prompt": "say hi", "model_a": "big", "model_b": "small", "winner": "tie"}
                {"prompt": "broken
                {"prompt": "say hi", "model_a": "mid", "model_b": "big", "winner": "big", "source": "judge"}

                """.utf8).write(to: file)
            let target = Self.connectionString(database.settings)
            let result = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--database", target, "--embedder", "hashing",
                                                  "--json", file.path])
            try #require(result.status == 0, "import failed: \(result.error)")
            #expect(result.error.contains("battles.jsonl:3: "))
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
            #expect(summary["battles_kept"] as? Int == 3 && summary["database_battles"] as? Int == 3)
            #expect(summary["ratings_version"] as? String == "ratings-1" && summary["database_models"] as? Int == 3)

            let connection = try database.connect()
            let rows = try connection.query("SELECT source, fought_at IS NOT NULL AS has_fought_at, embedder_name FROM battles ORDER BY id")
            #expect(try rows.map { try $0.decode(String.self, column: "source") } == ["battles-jsonl:battles.jsonl", "battles-jsonl:battles.jsonl", "judge"])
            #expect(try rows.map { try $0.decode(Bool.self, column: "has_fought_at") } == [true, true, true])
            #expect(try rows.allSatisfy { try $0.decode(String.self, column: "embedder_name") == "hashing" })
            // Two distinct prompts are too few to hold out in five folds: RouteLLM's kernel is kept,
            // stored with the version, with no scores to rest on.
            #expect(summary["kernel_sharpness"] as? Double == 1)
            #expect(try connection.query("SELECT kernel_sharpness FROM ratings_versions WHERE id = 1")[0]
                .decode(Double?.self, column: "kernel_sharpness") == 1)
            #expect(try connection.count("SELECT count(*) AS n FROM kernel_sharpness_scores") == 0)

            let mixed = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--database", target, "--embedder", "minilm", file.path])
            #expect(mixed.status == 1 && mixed.error.contains("one embedder per database"))
            #expect(try connection.count("SELECT count(*) AS n FROM battles") == 3)
            let both = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--database", target, "--memory", folder.path, file.path])
            #expect(both.status == 2)
        }
    }

    /// `battles retract` takes one source's battles back, audited, and refits the configured
    /// models without them.
    @Test func retractingASourceMarksItsBattlesWritesTheAuditRowAndRefits() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("learn-retract-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let battles = folder.appendingPathComponent("battles.jsonl")
            try Data("""
                {"prompt": "prove that 17 is prime", "model_a": "big", "model_b": "small", "winner": "model_a"}
                {"prompt": "say hi", "model_a": "big", "model_b": "small", "winner": "tie"}
                {"prompt": "say hello", "model_a": "small", "model_b": "big", "winner": "model_a", "source": "judge"}
                {"prompt": "say bye", "model_a": "small", "model_b": "big", "winner": "model_a", "source": "judge"}

                """.utf8).write(to: battles)
            let config = folder.appendingPathComponent("routeledger.json")
            try Data("""
                {"models": [{"name": "big", "input_per_million": "10", "output_per_million": "30"},
                            {"name": "small", "input_per_million": "1", "output_per_million": "2"}],
                 "routing": {"strong": "big", "weak": "small"}, "memory": "database", "embedder": {"kind": "hashing"}}
                """.utf8).write(to: config)
            let target = Self.connectionString(database.settings)
            let imported = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--database", target, "--embedder", "hashing",
                                                    battles.path])
            try #require(imported.status == 0, "import failed: \(imported.error)")

            let result = try RouteLedgerTool.run(["battles", "retract", "--source", "judge", "--config", config.path, "--database", target,
                                                  "--reason", "judge was misconfigured"])
            try #require(result.status == 0, "retract failed: \(result.error)")
            #expect(result.output.contains("2 battles of source 'judge' retracted"))
            #expect(result.output.contains("ratings-2 (2 models, 2 battles)"))
            let connection = try database.connect()
            let audit = try connection.query("SELECT source, battles, reason FROM battle_retractions")
            #expect(try audit.map { try $0.decode(String.self, column: "source") } == ["judge"])
            #expect(try audit.map { try $0.decode(Int.self, column: "battles") } == [2])
            #expect(try audit.map { try $0.decode(String.self, column: "reason") } == ["judge was misconfigured"])
            #expect(try connection.count("SELECT count(*) AS n FROM battles WHERE retraction IS NOT NULL") == 2)
            #expect(try RouteLedgerTool.run(["battles", "retract", "--config", config.path]).status == 2)
        }
    }

    /// The benchmark's drift part on a small scale: votes for the weak model on one topic take
    /// that topic away from the strong model and leave the other one with it.
    @Test func benchLearnReportsTheDriftAndTheTimingsAsNumbers() throws {
        let result = try RouteLedgerTool.run(["bench", "learn", "--database", try PostgresTestServer.url(), "--embedder", "hashing",
                                              "--drift-battles", "1000", "--drift-votes", "400", "--drift-steps", "2", "--queries-per-topic", "20",
                                              "--votes", "100", "--battles", "500", "--probes", "3", "--follow-interval-ms", "100",
                                              "--json"])
        try #require(result.status == 0, "bench failed: \(result.error)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(figures["drift_votes_streamed"] as? [Int] == [0, 200, 400])
        let proofs = try #require(figures["strong_share_proofs"] as? [Double])
        #expect(proofs.count == 3 && proofs[0] == 1 && proofs[2] <= 0.2)
        #expect(figures["strong_share_code"] as? [Double] == [1, 1, 1])
        #expect(try #require(figures["votes_per_second"] as? Double) > 0)
        let p50 = try #require(figures["vote_to_decision_p50_ms"] as? Double)
        let p99 = try #require(figures["vote_to_decision_p99_ms"] as? Double)
        #expect(p50 > 0 && p50 <= p99)
        #expect(figures["memory_battles"] as? Int == 500)
    }
}
