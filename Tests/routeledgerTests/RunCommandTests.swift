import BattleStore
import Embeddings
import Foundation
import Kafka
import Pipeline
import Ranking
import Testing
@testable import routeledger

/// `routeledger run` as a user runs it: a separate process, configured by a file and the
/// environment, against a Kafka-protocol broker.
@Suite(.serialized) struct RunCommandTests {
    /// A memory directory where "strong" won on prompts along e1 and "weak" on prompts along e2,
    /// with vectors from an upstream embedder (the router takes each event's own vector).
    static func makeWorkspace(topicsPrefix: String, broker: TestKafkaBroker, partitions: Int = 3) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)")
        var memory = try MemoryDirectory.openOrCreate(directory.appendingPathComponent("memory"),
                                                      embedder: EmbedderIdentity(name: "upstream", version: "test"), dimension: 4)
        let time = "2026-11-24T10:00:00Z"
        try memory.append([
            LabelledBattle(prompt: "topic one", modelA: "strong", modelB: "weak", winner: .modelA, source: "test", foughtAt: BattleTime.date(time)),
            LabelledBattle(prompt: "topic two", modelA: "weak", modelB: "strong", winner: .modelA, source: "test", foughtAt: BattleTime.date(time)),
        ], embeddings: [1, 0, 0, 0, 0, 1, 0, 0])
        let configuration = """
            {"kafka": {"group_id": "\(topicsPrefix).router",
                       "consumer_properties": {"session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"},
                       "producer_properties": {"max.in.flight.requests.per.connection": "1"}},
             "topics": {"queries": "\(topicsPrefix).queries", "decisions": "\(topicsPrefix).decisions",
                        "deadletter": "\(topicsPrefix).deadletter", "route_prefix": "\(topicsPrefix).route."},
             "models": [{"name": "strong", "input_per_million": "10", "output_per_million": "30"},
                        {"name": "weak", "input_per_million": "0.5", "output_per_million": "1.5"}],
             "routing": {"strong": "strong", "weak": "weak", "threshold": 0.5},
             "embedder": {"kind": "given"},
             "memory": "\(directory.appendingPathComponent("memory").path)"}
            """
        try Data(configuration.utf8).write(to: directory.appendingPathComponent("routeledger.json"))
        try broker.createTopics(["\(topicsPrefix).queries", "\(topicsPrefix).decisions", "\(topicsPrefix).deadletter",
                                 "\(topicsPrefix).route.strong", "\(topicsPrefix).route.weak"], partitions: partitions)
        return directory
    }

    static func launch(_ workspace: URL, broker: TestKafkaBroker, arguments: [String] = [],
                       standardError: FileHandle = .nullDevice) throws -> Process {
        let executable = try #require(Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("routeledger"))
        let process = Process()
        process.executableURL = executable
        process.arguments = ["run", "--config", workspace.appendingPathComponent("routeledger.json").path, "--stages", "route",
                             "--metrics-port", "0"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrapServers
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = standardError
        try process.run()
        return process
    }

    static func produce(_ ids: Range<Int>, topic: String, broker: TestKafkaBroker) throws {
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for index in ids {
            let vector = index % 3 == 0 ? "[1,0.2,0,0]" : "[0.2,1,0,0]"
            let event = #"{"schema":"routeledger.query.v1","id":"q\#(index)","tenant":"t","created_at":"2026-11-24T10:00:00Z","prompt":"p","embedding":\#(vector)}"#
            try producer.send(topic: topic, key: Data("key-\(index % 50)".utf8), value: Data(event.utf8))
        }
        try producer.flush(timeout: .seconds(60)).requireDelivered()
    }

    static func waitForExit(_ process: Process, within timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return !process.isRunning
    }

    @Test func routesEveryQueryAndStopsCleanlyOnSIGTERM() throws {
        let broker = try TestKafkaBroker(partitions: 3)
        let prefix = TestKafkaBroker.uniqueName("run")
        let workspace = try Self.makeWorkspace(topicsPrefix: prefix, broker: broker)
        defer { try? FileManager.default.removeItem(at: workspace) }
        try Self.produce(0..<200, topic: "\(prefix).queries", broker: broker)
        let process = try Self.launch(workspace, broker: broker)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let reader = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("reader")))
        defer { try? reader.close() }
        try reader.subscribe(topics: ["\(prefix).decisions"])
        let decisions = try reader.poll(count: 200, within: .seconds(90))
            .map { try JSONDecoder().decode(RoutingDecision.self, from: $0.value) }
        #expect(Set(decisions.map(\.queryID)) == Set((0..<200).map { "q\($0)" }))
        #expect(decisions.allSatisfy { $0.model == (Int($0.queryID.dropFirst())! % 3 == 0 ? "strong" : "weak") })

        process.terminate()
        #expect(Self.waitForExit(process, within: .seconds(30)))
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    /// `--kernel-sharpness` overrides `routing.kernel_sharpness` (here absent: RouteLLM's 1): the
    /// router ranks with the given γ, and with auto it chooses at load on a memory whose manifest
    /// holds no choice (two battles: too few prompts to hold out, so γ = 1 stays).
    @Test(arguments: [("3", "kernel_sharpness=3.0", false), ("auto", "kernel_sharpness=1.0", true)])
    func theKernelSharpnessOptionOverridesTheSetting(option: String, ready: String, choosesAtLoad: Bool) throws {
        let broker = try TestKafkaBroker(partitions: 1)
        let prefix = TestKafkaBroker.uniqueName("sharp")
        let workspace = try Self.makeWorkspace(topicsPrefix: prefix, broker: broker, partitions: 1)
        defer { try? FileManager.default.removeItem(at: workspace) }
        let log = workspace.appendingPathComponent("run.log")
        #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
        let process = try Self.launch(workspace, broker: broker, arguments: ["--kernel-sharpness", option],
                                      standardError: try FileHandle(forWritingTo: log))
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let deadline = ContinuousClock.now + .seconds(60)
        var text = ""
        while !text.contains("router ready"), process.isRunning, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            text = try String(contentsOf: log, encoding: .utf8)
        }
        process.terminate()
        #expect(Self.waitForExit(process, within: .seconds(30)))
        let line = try #require(text.split(separator: "\n").first { $0.contains("router ready") }, "\(text)")
        #expect(line.contains(ready), "\(line)")
        #expect(text.contains("kernel sharpness chosen on the memory at load") == choosesAtLoad, "\(text)")
    }

    @Test func anInvalidConfigurationIsRefusedWithEveryProblem() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).json")
        try Data(#"{"routing": {"strong": "x", "threshold": 2}, "batch": {"max_events": 0}}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let runner = CommandRunner(root: CommandGroup(name: "routeledger", summary: "", children: [.command(RunCommand.self)]),
                                   version: "test")
        #expect(runner.run(["run", "--config", file.path, "--metrics-port", "0"]) == 1)
        #expect(runner.run(["run", "--partitions", "2"]) == 2)
        #expect(runner.run(["run", "--kernel-sharpness", "100"]) == 2)
        #expect(runner.run(["run", "--metrics-port", "70000"]) == 2)
        #expect(runner.run(["run", "--stages", "route,bogus"]) == 2)
        #expect(runner.run(["run", "--stages", ""]) == 2)
        #expect(runner.run(["run", "--stages", " , "]) == 2)
    }

    /// The stage says when the group gives it partitions, naming them: a stage that holds none
    /// is told apart from one that is stuck.
    @Test func aStageLogsThePartitionsItIsAssigned() throws {
        let broker = try TestKafkaBroker(partitions: 2)
        let prefix = TestKafkaBroker.uniqueName("assigned")
        let workspace = try Self.makeWorkspace(topicsPrefix: prefix, broker: broker, partitions: 2)
        defer { try? FileManager.default.removeItem(at: workspace) }
        let process = Process()
        process.executableURL = try #require(Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("routeledger"))
        process.arguments = ["run", "--config", workspace.appendingPathComponent("routeledger.json").path, "--stages", "route",
                             "--metrics-port", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(["KAFKA_BOOTSTRAP_SERVERS": broker.bootstrapServers]) { $1 }
        let logFile = workspace.appendingPathComponent("stage.log")
        try #require(FileManager.default.createFile(atPath: logFile.path, contents: nil))
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: logFile)
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let expected = "partitions assigned partitions=\(prefix).queries[0],\(prefix).queries[1] holding=2"
        let deadline = ContinuousClock.now + .seconds(60)
        var logged = ""
        while !logged.contains(expected), ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            logged = try String(contentsOf: logFile, encoding: .utf8)
        }
        #expect(logged.contains(expected), "\(logged)")
        process.terminate()
        #expect(Self.waitForExit(process, within: .seconds(30)))
    }

    /// A Kafka setting librdkafka refuses stops `run` at start with status 1 and the property
    /// named (before, every stage session failed on it and restarted for ever); the secret given
    /// beside it is not printed.
    @Test func aBadKafkaSettingStopsTheRunAtStartWithoutShowingSecrets() throws {
        let broker = try TestKafkaBroker(partitions: 1)
        let prefix = TestKafkaBroker.uniqueName("badkafka")
        let workspace = try Self.makeWorkspace(topicsPrefix: prefix, broker: broker, partitions: 1)
        defer { try? FileManager.default.removeItem(at: workspace) }
        let file = workspace.appendingPathComponent("routeledger.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        try Data(text.replacingOccurrences(of: #"{"kafka": {"#, with: #"{"kafka": {"properties": {"security.protocol": "carrier-pigeon"}, "#)
            .utf8).write(to: file)
        let secret = "hunter2-\(UUID().uuidString)"
        let process = Process()
        process.executableURL = try #require(Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("routeledger"))
        process.arguments = ["run", "--config", file.path, "--stages", "route", "--metrics-port", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["KAFKA_BOOTSTRAP_SERVERS": broker.bootstrapServers, "ROUTELEDGER_KAFKA_SASL_PASSWORD": secret]) { $1 }
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let exited = Self.waitForExit(process, within: .seconds(30))
        if !exited { kill(process.processIdentifier, SIGKILL) }
        #expect(exited, "still running after 30 s")
        let printed = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 1)
        #expect(printed.contains("invalid value for librdkafka property 'security.protocol'"), "\(printed)")
        #expect(!printed.contains(secret))
    }
}

