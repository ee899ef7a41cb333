import BattleStore
import Foundation
import Kafka
import Pipeline
import Postgres
import Streams
import Testing
import TestSupport

/// `route`, `calibrate` and `eval` over PostgreSQL's battles table (`--database`, `--memory
/// database`): the same answers as over a memory directory of the same battles, the votes the
/// learn stage learns count at once, a configuration's memory limits and aliases apply to both
/// memories alike, and what cannot work is refused naming why.
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

    /// Strong beats weak on code prompts (in January) and loses on greetings (in June).
    private let battles = """
        {"prompt": "Write a Python function that merges two sorted lists.", "model_a": "strong", "model_b": "weak", "winner": "model_a", "time": "2026-01-01T10:00:00Z"}
        {"prompt": "Implement quicksort in C and explain its complexity.", "model_a": "strong", "model_b": "weak", "winner": "model_a", "time": "2026-01-02T10:00:00Z"}
        {"prompt": "Say hello to my friend Anna.", "model_a": "strong", "model_b": "weak", "winner": "model_b", "time": "2026-06-01T10:00:00Z"}
        {"prompt": "Wish my colleague a happy birthday.", "model_a": "weak", "model_b": "strong", "winner": "model_a", "time": "2026-06-02T10:00:00Z"}

        """
    private let prompts = """
        {"id": "code", "prompt": "Write a Rust function that reverses a linked list."}
        {"id": "greeting", "prompt": "Say good morning to my neighbour."}

        """

    /// A directory and a database holding the same battles, imported with the hashing embedder
    /// (`renames` apply to the database's copy only).
    private func memories(_ database: TestDatabase, renames: [String] = []) throws -> (directory: String, database: String) {
        let file = try write("battles.jsonl", battles)
        let directory = folder.appendingPathComponent("memory").path
        for target in [["--memory", directory], ["--database", database.connectionString] + renames] {
            let imported = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--embedder", "hashing"] + target + [file])
            try #require(imported.status == 0, "\(imported.error)")
        }
        return (directory, database.connectionString)
    }

    /// A run configuration over `memory` and the test's database; `extra` adds top-level keys.
    private func configuration(_ database: TestDatabase, memory: String, models: String? = nil, extra: String = "") throws -> String {
        let json = { (text: String) in String(decoding: try JSONEncoder().encode(text), as: UTF8.self) }
        return try write("routeledger-\(UUID().uuidString).json", """
            {"models": \(models ?? """
                [{"name": "strong", "input_per_million": "10", "output_per_million": "30"},
                 {"name": "weak", "input_per_million": "1", "output_per_million": "2"}]
                """),
             "routing": {"strong": "\(models == nil ? "strong" : "big")", "weak": "\(models == nil ? "weak" : "small")"},
             "memory": \(try json(memory)), "embedder": {"kind": "hashing"},
             "database": {"url": \(try json(database.connectionString))}\(extra)}
            """)
    }

    private func lines(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    private func text(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Each prompt's id, route and strong win rate, as `route` decides them at threshold 0.5.
    private func decisions(_ source: [String], input: String? = nil) throws -> [String] {
        let routed = try RouteLedgerTool.run(["route"] + source + ["--threshold", "0.5"], input: input ?? prompts)
        try #require(routed.status == 0, "\(routed.error)")
        return lines(routed.output).map { "\($0["id"]!) \($0["model"]!) \($0["routed_to"]!) \($0["strong_win_rate"]!)" }
    }

    @Test func routeCalibrateAndEvalOverTheDatabaseMatchTheSameBattlesInADirectory() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let (directory, url) = try memories(database)
            // The battles' own prompts (so folds hold battles out) and two new ones.
            let evalSet = try write("eval.jsonl", """
                {"prompt": "Write a Python function that merges two sorted lists.", "quality": {"strong": 1, "weak": 0}}
                {"prompt": "Implement quicksort in C and explain its complexity.", "quality": {"strong": 1, "weak": 0}}
                {"prompt": "Say hello to my friend Anna.", "quality": {"strong": 0, "weak": 1}}
                {"prompt": "Wish my colleague a happy birthday.", "quality": {"strong": 1, "weak": 1}}
                {"prompt": "Write a Go function that sums a slice.", "quality": {"strong": 1, "weak": 0}}
                {"prompt": "Say hi to my aunt.", "quality": {"strong": 0, "weak": 1}}

                """)
            var answers: [[String]] = []
            for source in [["--memory", directory], ["--database", url], ["--memory", "database", "--database", url]] {
                var answer = try decisions(source + ["--strong", "strong", "--weak", "weak"])
                let calibrated = try RouteLedgerTool.run(["calibrate"] + source + ["--strong", "strong", "--weak", "weak",
                                                                                   "--strong-share", "0.5", "--json"], input: prompts)
                try #require(calibrated.status == 0, "\(calibrated.error)")
                answer.append("threshold \(try #require(lines(calibrated.output).first?["threshold"] as? Double))")
                for folds in [[], ["--folds", "2"]] {
                    let evaluated = try RouteLedgerTool.run(["eval"] + source + ["--eval", evalSet, "--strong", "strong", "--weak", "weak",
                                                                                 "--json"] + folds)
                    try #require(evaluated.status == 0, "\(evaluated.error)")
                    let report = try #require(lines(evaluated.output).first)
                    answer.append(try text([report["sw"]!, report["battles_per_router"]!]))
                    // 4 battles, one per prompt of the set: a fold of 3 of its 6 prompts holds out
                    // the battles of those among the 4, so the two folds' routers have 4 battles in all.
                    let routers = try #require(report["battles_per_router"] as? [Int])
                    #expect(folds.isEmpty ? routers == [4] : routers.count == 2 && routers.reduce(0, +) == 4, "\(routers)")
                }
                answers.append(answer)
            }
            // The same battles, embedder and method: the same win rates, decisions, threshold and figures.
            #expect(answers[1] == answers[0])
            #expect(answers[2] == answers[0])
            // Code goes strong, the greeting weak (strong wins code battles, loses greetings).
            #expect(answers[1][0].hasPrefix("code strong strong") && answers[1][1].hasPrefix("greeting weak weak"), "\(answers[1])")
        }
    }

    /// Votes go through the learn stage into the battles table; the next `route` reads them,
    /// and once their source is retracted, not any more.
    @Test func aVoteTheLearnStageLearntCountsAtOnceAndARetractedOneDoesNot() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            _ = try memories(database)
            let path = try configuration(database, memory: "database")
            func greetingWinRate() throws -> Double {
                let routed = try RouteLedgerTool.run(["route", "--config", path, "--threshold", "0.5"], input: prompts)
                try #require(routed.status == 0, "\(routed.error)")
                return try #require(lines(routed.output).first { $0["id"] as? String == "greeting" }?["strong_win_rate"] as? Double)
            }
            let before = try greetingWinRate()

            let broker = try TestKafkaBroker(partitions: 1)
            var settings = try RouteLedgerConfiguration.load(file: URL(fileURLWithPath: path), environment: [:])
            try settings.useTopics(of: broker, prefix: TestKafkaBroker.uniqueName("dbmemory"))
            let shutdown = ShutdownSignal(signals: [])
            let learn = try StageAssembly(configuration: settings, database: database.settings, shutdown: shutdown).learnStage()
            let connection = try database.connect()
            try running(learn, shutdown: shutdown) {
                // Strong wins both greetings the memory has it lose, by the votes of one feed.
                let producer = try KafkaProducer(configuration: broker.producerConfiguration())
                for (index, prompt) in ["Say hello to my friend Anna.", "Wish my colleague a happy birthday."].enumerated() {
                    let vote: [String: Any] = ["schema": VoteEvent.schema, "vote_id": "v\(index)", "prompt": prompt, "model_a": "strong",
                                               "model_b": "weak", "winner": "model_a", "voter": "u", "cast_at": "2026-11-24T10:00:00Z",
                                               "source": "feed"]
                    try producer.send(topic: settings.topics.votes, key: nil, value: try JSONSerialization.data(withJSONObject: vote))
                }
                try producer.flush(timeout: .seconds(30)).requireDelivered()
                let deadline = ContinuousClock.now + .seconds(60)
                while try connection.count("SELECT count(*) AS n FROM battles") < 6, ContinuousClock.now < deadline {
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
            try #require(try connection.count("SELECT count(*) AS n FROM battles WHERE vote_id IS NOT NULL") == 2)
            let after = try greetingWinRate()
            #expect(after > before, "votes for strong on the greetings raise its win rate there: \(before) → \(after)")

            let retracted = try RouteLedgerTool.run(["battles", "retract", "--source", "feed", "--config", path])
            try #require(retracted.status == 0, "\(retracted.error)")
            // The same four battles as before, refit to the same tiers: the same win rate.
            #expect(try greetingWinRate() == before)
        }
    }

    /// With `--config`, both memories are read as its route stage reads them: the newest
    /// battles within `memory_limits`, models under their configured names, the routing pair
    /// as the default models.
    @Test func aConfigurationsLimitsAndNamesApplyToTheDirectoryAndTheTableAlike() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let (directory, _) = try memories(database, renames: ["--rename", "strong=big", "--rename", "weak=small"])
            let models = """
                [{"name": "big", "aliases": ["strong"], "input_per_million": "10", "output_per_million": "30"},
                 {"name": "small", "aliases": ["weak"], "input_per_million": "1", "output_per_million": "2"}]
                """
            let limited = #", "memory_limits": {"max_battles": 2}"#
            let overDirectory = try configuration(database, memory: directory, models: models, extra: limited)
            let overTable = try configuration(database, memory: "database", models: models, extra: limited)
            // The two newest battles are the greetings, which strong lost: nothing is left where
            // strong wins, so at 0.5 the code prompt goes to the weak model too.
            let expected = ["code small weak", "greeting small weak"]
            let fromDirectory = try decisions(["--config", overDirectory])
            let fromTable = try decisions(["--config", overTable])
            #expect(fromDirectory.map { $0.split(separator: " ").prefix(3).joined(separator: " ") } == expected, "\(fromDirectory)")
            #expect(fromTable.map { $0.split(separator: " ").prefix(3).joined(separator: " ") } == expected, "\(fromTable)")
            // An alias names its model; without the limits the code prompt goes strong again.
            let unlimited = try configuration(database, memory: directory, models: models)
            let aliased = try decisions(["--config", unlimited, "--strong", "strong", "--weak", "weak"])
            #expect(aliased.first?.hasPrefix("code big strong") == true, "\(aliased)")
            #expect(try decisions(["--config", unlimited]) == aliased)

            // The evaluation set names the models by their aliases too.
            let evalSet = try write("eval.jsonl", """
                {"prompt": "Write a Go function that sums a slice.", "quality": {"strong": 1, "weak": 0}}
                {"prompt": "Say hi to my aunt.", "quality": {"strong": 0, "weak": 1}}

                """)
            for path in [unlimited, try configuration(database, memory: "database", models: models)] {
                let evaluated = try RouteLedgerTool.run(["eval", "--config", path, "--eval", evalSet, "--json"])
                try #require(evaluated.status == 0, "\(evaluated.error)")
                let report = try #require(lines(evaluated.output).first)
                #expect(report["strong"] as? String == "big" && report["weak"] as? String == "small" && report["queries"] as? Int == 2,
                        "\(report)")
            }
        }
    }

    /// `replay --memory database` re-decides past queries over the battles table of `--database`
    /// (not the configuration's `database.url`, which leads nowhere here) as `--memory DIR`
    /// does over a directory of the same battles.
    @Test func replayOverTheDatabaseDecidesAsOverTheSameBattlesInADirectory() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let broker = try TestKafkaBroker(partitions: 1)
            let prefix = TestKafkaBroker.uniqueName("dbreplay")
            let workspace = try RunCommandTests.makeWorkspace(topicsPrefix: prefix, broker: broker, partitions: 1)
            defer { try? FileManager.default.removeItem(at: workspace) }
            let configuration = workspace.appendingPathComponent("routeledger.json")
            var settings = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configuration)) as? [String: Any])
            settings["kafka"] = ["bootstrap_servers": broker.bootstrapServers, "group_id": "\(prefix).router"]
            settings["database"] = ["url": "postgresql://nobody@127.0.0.1:1/nowhere"]
            try JSONSerialization.data(withJSONObject: settings).write(to: configuration)
            // The workspace memory's two battles, with their vectors: strong wins topic one, weak topic two.
            let memory = try MemoryDirectory.open(workspace.appendingPathComponent("memory"))
            let loaded = try memory.load()
            _ = try DatabaseImport.append(loaded.battles, embeddings: loaded.battleEmbeddings(), embedder: loaded.embedder, tierCount: 10, rounds: 20,
                                      on: try database.connect())

            let producer = try KafkaProducer(configuration: broker.producerConfiguration())
            for index in 0..<6 {
                let vector = index < 2 ? "[1,0.2,0,0]" : "[0.2,1,0,0]"
                let event = #"{"schema":"routeledger.query.v1","id":"q\#(index)","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"p","embedding":\#(vector)}"#
                try producer.send(topic: "\(prefix).queries", key: nil, value: Data(event.utf8))
            }
            try producer.flush(timeout: .seconds(30)).requireDelivered()
            let prices = try write("prices.csv", "model,input_usd_per_million,output_usd_per_million\nstrong,10,30\nweak,1,2\n")

            var decided: [String] = []
            for memory in [workspace.appendingPathComponent("memory").path, "database"] {
                let replayed = try RouteLedgerTool.run(["replay", "--config", configuration.path, "--database", database.connectionString,
                                                        "--id", "over-\(memory == "database" ? "table" : "directory")", "--memory", memory,
                                                        "--threshold", "0.5", "--prices", prices, "--format", "json", "--wait", "60"])
                try #require(replayed.status == 0, "\(replayed.error)")
                let report = try #require(try JSONSerialization.jsonObject(with: Data(replayed.output.utf8)) as? [String: Any])
                let changed = try #require(report["changed"] as? [[String: Any]])
                decided.append(changed.map { "\($0["query_id"] ?? "?") \($0["replay_model"] ?? "?")" }.sorted().joined(separator: ", "))
            }
            // Nothing was billed, so every query is a change; the two near topic one go strong.
            #expect(decided[0] == "q0 strong, q1 strong, q2 weak, q3 weak, q4 weak, q5 weak")
            #expect(decided[1] == decided[0])
        }
    }

    @Test func badCombinationsAndUnusableTablesAreRefusedNamingWhy() throws {
        try TestDatabase.withFresh(migrated: true) { database in
            let url = database.connectionString
            let both = try RouteLedgerTool.run(["route", "--memory", folder.path, "--database", url, "--threshold", "0.5"])
            #expect(both.status == 2 && both.error.contains("--memory DIR or --database URL, not both"), "\(both.error)")
            let neither = try RouteLedgerTool.run(["calibrate", "--strong-share", "0.5"])
            #expect(neither.status == 2 && neither.error.contains("give the battle memory"), "\(neither.error)")
            let noModels = try RouteLedgerTool.run(["eval", "--database", url, "--eval", folder.path])
            #expect(noModels.status == 2 && noModels.error.contains("'--strong' is required"), "\(noModels.error)")

            for source in [["--database", url], ["--memory", "database", "--database", url]] {
                let empty = try RouteLedgerTool.run(["route"] + source + ["--threshold", "0.5"], input: prompts)
                #expect(empty.status == 1 && empty.error.contains("holds no battle"), "\(empty.error)")
            }
            let unreachable = try RouteLedgerTool.run(["route", "--database", "postgresql://nobody@127.0.0.1:1/nowhere", "--threshold", "0.5"],
                                                      input: prompts)
            #expect(unreachable.status == 1 && unreachable.error.contains("cannot reach PostgreSQL")
                    && unreachable.error.contains("port=1") && unreachable.error.contains("dbname=nowhere"), "\(unreachable.error)")

            // A battle embedded by an embedder this tool does not have.
            let connection = try database.connect()
            try connection.execute("""
                INSERT INTO battles (prompt, model_a, model_b, winner, source, embedder_name, embedder_version, embedding)
                VALUES ('p', 'strong', 'weak', 'model_a', 'test', 'upstream', 'v1', '\\x0000803f'::bytea)
                """)
            let unknown = try RouteLedgerTool.run(["route", "--database", url, "--threshold", "0.5"], input: prompts)
            #expect(unknown.status == 1 && unknown.error.contains("upstream (v1)") && unknown.error.contains("cannot run"), "\(unknown.error)")
            try connection.execute("DELETE FROM battles")

            // Hashing vectors: MiniLM asked for instead, then no ratings version to tier them.
            _ = try memories(database)
            let otherEmbedder = try RouteLedgerTool.run(["route", "--database", url, "--embedder", "minilm", "--threshold", "0.5"], input: prompts)
            #expect(otherEmbedder.status == 2 && otherEmbedder.error.contains("'--embedder'") && otherEmbedder.error.contains("hashing"),
                    "\(otherEmbedder.error)")
            try connection.execute("DELETE FROM model_ratings")
            try connection.execute("DELETE FROM ratings_versions")
            let unrated = try RouteLedgerTool.run(["route", "--database", url, "--threshold", "0.5"], input: prompts)
            #expect(unrated.status == 1 && unrated.error.contains("no ratings version"), "\(unrated.error)")
        }
    }
}
