import BattleStore
import Foundation
import Kafka
import Pipeline
import Streams
import Testing
import TestSupport

/// RouteLLM's MMLU answers name the weak model `mistralai/Mixtral-8x7B-Instruct-v0.1`, the
/// example configuration `mixtral-8x7b-instruct-v0.1` (with the file's name as an alias):
/// imported with `--rename` or as they are, the memory routes on the example configuration as
/// it is, only the memory path given.
@Suite final class ModelAliasTests {
    static let fileName = "mistralai/Mixtral-8x7B-Instruct-v0.1"
    static let configuredName = "mixtral-8x7b-instruct-v0.1"
    static let strong = "gpt-4-1106-preview"

    private let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("model-aliases-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Three of the MMLU subjects (about 300 questions): enough to rank on, quick to embed.
    private func mmluFiles() throws -> [String] {
        let responses = try SharedFixtures.url("data/routellm-mmlu/responses")
        return ["mmlu_global_facts.csv", "mmlu_abstract_algebra.csv", "mmlu_management.csv"].map {
            responses.appendingPathComponent($0).path
        }
    }

    private var exampleFile: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ops/routeledger.example.json")
    }

    private func importMMLU(_ extra: [String]) throws -> (memory: String, output: String) {
        let memory = folder.appendingPathComponent("memory-\(UUID().uuidString)").path
        let result = try RouteLedgerTool.run(["import", "--format", "golden", "--memory", memory, "--embedder", "minilm"] + extra
                                             + mmluFiles())
        try #require(result.status == 0, "import failed: \(result.error)")
        return (memory, result.output)
    }

    /// Builds the route stage as `routeledger run` does and routes two queries with it: the
    /// decisions name configured models and go to their topics.
    private func route(_ configuration: RouteLedgerConfiguration, allowing models: [String]? = nil) throws -> RouteBatchResult {
        let stages = try StageAssembly(configuration: configuration, shutdown: ShutdownSignal()).routeStages()
        let stage = try #require(stages.first as? RouteStage)
        let embedder = try configuration.embedder?.load(modelDirectory: configuration.modelDirectory, batchSize: 32,
                                                          precision: configuration.encoderPrecision)
        let processor = RouteBatchProcessor(configuration: configuration, embedder: embedder)
        let queries = ["What is the order of the group S_3?", "Which country has the largest population?"]
        let records = try queries.enumerated().map { offset, prompt in
            var event: [String: Any] = ["schema": QueryEvent.schema, "id": "q\(offset)", "tenant": "t",
                                        "created_at": "2026-12-01T10:00:00Z", "prompt": prompt]
            if let models { event["models"] = models }
            return InputRecord(source: RecordPosition(topic: configuration.topics.queries, partition: 0, offset: Int64(offset)),
                               key: nil, value: try JSONSerialization.data(withJSONObject: event))
        }
        return processor.process(records, with: stage.snapshotInUse)
    }

    @Test func theMMLUFilesImportRenamedAndRouteOnTheExampleConfiguration() throws {
        let (memory, output) = try importMMLU(["--rename", "\(Self.fileName)=\(Self.configuredName)"])
        let directory = try MemoryDirectory.open(URL(fileURLWithPath: memory))
        #expect(Set(directory.manifest.models.map(\.name)) == [Self.strong, Self.configuredName])
        // Every question is one battle between the two models, so the rename touched them all.
        #expect(output.contains("renamed \(Self.fileName) → \(Self.configuredName)  \(directory.manifest.battleCount)"), "\(output)")

        let configuration = try RouteLedgerConfiguration.load(file: exampleFile, environment: ["ROUTELEDGER_MEMORY": memory])
        let result = try route(configuration)
        #expect(result.decisions.count == 2 && result.rejections.isEmpty)
        let routedTopics = Set([Self.strong, Self.configuredName].map { "llm.route.\($0)" })
        for decision in result.decisions {
            #expect([Self.strong, Self.configuredName].contains(decision.model))
        }
        #expect(result.records.filter { $0.topic.hasPrefix("llm.route.") }.allSatisfy { routedTopics.contains($0.topic) })
    }

    /// Without a rename the memory keeps the file's name, which the example configures as an
    /// alias: the memory's battles and a query's `models` may use it.
    @Test func aMemoryImportedUnderTheFilesNameRoutesWithItAsAnAlias() throws {
        let (memory, _) = try importMMLU([])
        let directory = try MemoryDirectory.open(URL(fileURLWithPath: memory))
        #expect(directory.manifest.models.map(\.name).contains(Self.fileName))
        let configuration = try RouteLedgerConfiguration.load(file: exampleFile, environment: ["ROUTELEDGER_MEMORY": memory])
        #expect(configuration.modelNames.configuredName(of: Self.fileName) == Self.configuredName)

        let result = try route(configuration, allowing: [Self.fileName])
        #expect(result.decisions.map(\.model) == [Self.configuredName, Self.configuredName])
        #expect(result.records.contains { $0.topic == "llm.route.\(Self.configuredName)" })
    }

    private func goldenFile() throws -> String {
        let url = folder.appendingPathComponent("golden.csv")
        try Data("prompt,org/small,big\nWhat is 2+2?,True,True\nName a prime above 100.,False,True\n".utf8).write(to: url)
        return url.path
    }

    @Test func aMalformedRenameIsAUsageErrorNamingTheOption() throws {
        let golden = try goldenFile()
        for value in ["small", "=small", "org/small=", ""] {
            let result = try RouteLedgerTool.run(["import", "--format", "golden", "--memory", folder.appendingPathComponent("m").path,
                                                  "--embedder", "hashing", "--rename", value, golden])
            #expect(result.status == 2, "\(value)")
            #expect(result.error.contains("option '--rename' expects FROM=TO"), "\(result.error)")
        }
        let twice = try RouteLedgerTool.run(["import", "--format", "golden", "--memory", folder.appendingPathComponent("m").path,
                                             "--embedder", "hashing", "--rename", "org/small=a", "--rename", "org/small=b", golden])
        #expect(twice.status == 2 && twice.error.contains("'org/small' is renamed twice"), "\(twice.error)")
    }

    /// A misspelt FROM would import the model under its old name: refused before anything is
    /// written, with the files' models closest to it first.
    @Test func aRenameOfANameNoBattleHasStopsTheImport() throws {
        let memory = folder.appendingPathComponent("m").path
        let result = try RouteLedgerTool.run(["import", "--format", "golden", "--memory", memory, "--embedder", "hashing",
                                              "--rename", "org/smal=small", try goldenFile()])
        #expect(result.status == 1)
        #expect(result.error.contains("no battle names 'org/smal'; the files' models, closest first: org/small, big"), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: memory + "/manifest.json"))

        let merged = try RouteLedgerTool.run(["import", "--format", "golden", "--memory", memory, "--embedder", "hashing",
                                              "--rename", "org/small=big", try goldenFile()])
        #expect(merged.status == 1 && merged.error.contains("a battle between 'big' and itself"), "\(merged.error)")
    }

    /// Renames apply to the names as read, all at once: two renames can swap two models.
    @Test func renamesApplyAtOnce() throws {
        let memory = folder.appendingPathComponent("swapped").path
        let result = try RouteLedgerTool.run(["import", "--format", "golden", "--memory", memory, "--embedder", "hashing", "--json",
                                              "--rename", "org/small=big", "--rename", "big=small", try goldenFile()])
        try #require(result.status == 0, "\(result.error)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(summary["renamed_battles"] as? [String: Int] == ["org/small": 2, "big": 2])
        let directory = try MemoryDirectory.open(URL(fileURLWithPath: memory))
        let battles = try directory.load().battles
        // The first question: both correct, a tie, model_a the file's first column (org/small).
        #expect(battles.first.map { [$0.modelA, $0.modelB] } == ["big", "small"])
    }
}
