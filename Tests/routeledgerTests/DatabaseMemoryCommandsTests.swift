import Foundation
import Postgres
import Testing
import TestSupport

/// `route`, `calibrate` and `eval` over PostgreSQL's battles table (`--database`): the same
/// answers as over a memory directory of the same battles, and the votes the table learns
/// count at once.
@Suite final class DatabaseMemoryCommandsTests {
    private let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("database-memory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Strong beats weak on code prompts and loses on greetings, twice each.
    private let battles = """
        {"prompt": "Write a Python function that merges two sorted lists.", "model_a": "strong", "model_b": "weak", "winner": "model_a"}
        {"prompt": "Implement quicksort in C and explain its complexity.", "model_a": "strong", "model_b": "weak", "winner": "model_a"}
        {"prompt": "Say hello to my friend Anna.", "model_a": "strong", "model_b": "weak", "winner": "model_b"}
        {"prompt": "Wish my colleague a happy birthday.", "model_a": "weak", "model_b": "strong", "winner": "model_a"}

        """
    private let prompts = """
        {"id": "code", "prompt": "Write a Rust function that reverses a linked list."}
        {"id": "greeting", "prompt": "Say good morning to my neighbour."}

        """

    /// A directory and a database holding the same battles, imported with the hashing embedder.
    private func memories(_ database: TestDatabase) throws -> (directory: String, database: String) {
        let file = try write("battles.jsonl", battles)
        let directory = folder.appendingPathComponent("memory").path
        for target in [["--memory", directory], ["--database", database.connectionString]] {
            let imported = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--embedder", "hashing"] + target + [file])
            try #require(imported.status == 0, "\(imported.error)")
        }
        return (directory, database.connectionString)
    }

    private func lines(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func routeCalibrateAndEvalOverTheDatabaseMatchTheSameBattlesInADirectory() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let (directory, url) = try memories(database)
            var answers: [[String]] = []
            for source in [["--memory", directory], ["--database", url]] {
                let routed = try RouteLedgerTool.run(["route"] + source + ["--strong", "strong", "--weak", "weak", "--threshold", "0.5"],
                                                     input: prompts)
                try #require(routed.status == 0, "\(routed.error)")
                let decisions = lines(routed.output)
                try #require(decisions.count == 2)
                let calibrated = try RouteLedgerTool.run(["calibrate"] + source + ["--strong", "strong", "--weak", "weak",
                                                                                   "--strong-share", "0.5", "--json"], input: prompts)
                try #require(calibrated.status == 0, "\(calibrated.error)")
                let threshold = try #require(lines(calibrated.output).first?["threshold"] as? Double)
                answers.append(decisions.map { "\($0["id"]!) \($0["routed_to"]!) \($0["strong_win_rate"]!)" } + ["\(threshold)"])
            }
            // The same battles, embedder and method: the same win rates, decisions and threshold.
            #expect(answers[0] == answers[1])
            // Code goes strong, the greeting weak (strong wins code battles, loses greetings).
            #expect(answers[1][0].hasPrefix("code strong") && answers[1][1].hasPrefix("greeting weak"))

            let evalSet = try write("eval.jsonl", """
                {"prompt": "Write a Go function that sums a slice.", "quality": {"strong": 1, "weak": 0}}
                {"prompt": "Say hi to my aunt.", "quality": {"strong": 0, "weak": 1}}

                """)
            var figures: [Double] = []
            for source in [["--memory", directory], ["--database", url]] {
                let evaluated = try RouteLedgerTool.run(["eval"] + source + ["--eval", evalSet, "--strong", "strong", "--weak", "weak", "--json"])
                try #require(evaluated.status == 0, "\(evaluated.error)")
                let sw = try #require(lines(evaluated.output).first?["sw"] as? [String: Any])
                figures.append(try #require(sw["apgr"] as? Double))
            }
            #expect(figures[0] == figures[1])
        }
    }

    /// A vote stored in the battles table (the learn stage's form: a battle with its vote id)
    /// is in the memory the commands read; a retracted one is not.
    @Test func aLearntVoteCountsAndARetractedOneDoesNot() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let (_, url) = try memories(database)
            func greetingWinRate() throws -> Double {
                let routed = try RouteLedgerTool.run(["route", "--database", url, "--strong", "strong", "--weak", "weak", "--threshold", "0.5"],
                                                     input: prompts)
                try #require(routed.status == 0, "\(routed.error)")
                return try #require(lines(routed.output).first { $0["id"] as? String == "greeting" }?["strong_win_rate"] as? Double)
            }
            let before = try greetingWinRate()
            // Votes for strong on both greeting prompts, with their battles' embeddings.
            let connection = try database.connect()
            try connection.execute("""
                INSERT INTO battles (vote_id, query_id, voter, prompt, model_a, model_b, winner, source, embedder_name, embedder_version, embedding)
                SELECT 'vote-' || id, 'q-' || id, 'user', prompt, 'strong', 'weak', 'model_a', 'votes', embedder_name, embedder_version, embedding
                FROM battles WHERE prompt LIKE 'Say hello%' OR prompt LIKE 'Wish my%'
                """)
            let after = try greetingWinRate()
            #expect(after > before, "the votes for strong raise its win rate on greetings: \(before) → \(after)")
            let retraction: Int64 = try connection.query("""
                INSERT INTO battle_retractions (source, battles, reason) VALUES ('votes', 2, 'test') RETURNING id
                """)[0].decode(column: "id")
            try connection.execute("UPDATE battles SET retraction = $1 WHERE vote_id IS NOT NULL", [.bigint(retraction)])
            #expect(try greetingWinRate() == before)
        }
    }

    @Test func aMemoryIsNamedOnceAndAnEmptyTableIsAClearError() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let both = try RouteLedgerTool.run(["route", "--memory", folder.path, "--database", database.connectionString, "--threshold", "0.5"])
            #expect(both.status == 2 && both.error.contains("--memory") && both.error.contains("--database"))
            let neither = try RouteLedgerTool.run(["calibrate", "--strong-share", "0.5"])
            #expect(neither.status == 2 && neither.error.contains("--memory DIR or --database URL"))
            let empty = try RouteLedgerTool.run(["route", "--database", database.connectionString, "--threshold", "0.5"], input: prompts)
            #expect(empty.status == 1 && empty.error.contains("holds no battle"))
            let unreachable = try RouteLedgerTool.run(["route", "--database", "postgresql://nobody@127.0.0.1:1/none", "--threshold", "0.5"],
                                                      input: prompts)
            #expect(unreachable.status == 1 && unreachable.error.contains("cannot read the battle memory from PostgreSQL"), "\(unreachable.error)")
        }
    }
}
