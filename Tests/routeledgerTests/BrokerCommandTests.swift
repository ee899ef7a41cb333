import Foundation
import Kafka
import Testing
@testable import routeledger

@Suite struct BrokerCommandTests {
    /// Runs the built `routeledger broker` as a separate process, as a user would.
    @Test func theBrokerServesItsTopicsAtTheAddressInTheBootstrapFileAndStopsOnSIGTERM() throws {
        let executable = try #require(Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("routeledger"))
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build the routeledger tool first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bootstrapFile = directory.appendingPathComponent("bootstrap")

        let process = Process()
        process.executableURL = executable
        process.arguments = ["broker", "--partitions", "2", "--topics", "llm.queries,llm.votes", "--bootstrap-file", bootstrapFile.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let clock = ContinuousClock()
        var deadline = clock.now + .seconds(20)
        while !FileManager.default.fileExists(atPath: bootstrapFile.path), clock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let address = try String(contentsOf: bootstrapFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(address.hasPrefix("127.0.0.1:"))

        // The topic exists (producers here never create topics) and takes records.
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: address))
        try producer.send(topic: "llm.votes", key: Data("k".utf8), value: Data("vote".utf8))
        let reports = try producer.flush(timeout: .seconds(20))
        try reports.requireDelivered()
        #expect(reports.count == 1)

        process.terminate()
        deadline = clock.now + .seconds(20)
        while process.isRunning, clock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!process.isRunning)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: bootstrapFile.path))
    }

    @Test func badTopicNamesAndConflictingOptionsAreUsageErrors() {
        let runner = CommandRunner(root: CommandGroup(name: "routeledger", summary: "", children: [.command(BrokerCommand.self)]),
                                   version: "test")
        #expect(runner.run(["broker", "--topics", "llm/queries"]) == 2)
        #expect(runner.run(["broker", "--models", String(repeating: "m", count: 240)]) == 2)
        #expect(runner.run(["broker", "--topics", "a", "--models", "m"]) == 2)
        #expect(runner.run(["broker", "--partitions", "0"]) == 2)
    }

    @Test func theDefaultTopicsHaveARouteTopicPerModel() {
        #expect(BrokerCommand.defaultTopics(models: ["strong", "weak"]) ==
                ["llm.queries", "llm.route.strong", "llm.route.weak", "llm.decisions", "llm.deadletter", "llm.usage", "llm.votes", "llm.thresholds"])
        // Named as the route stage names them.
        #expect(BrokerCommand.defaultTopics(models: ["mistralai/Mixtral-8x7B"]).contains("llm.route.mistralai_2fMixtral-8x7B"))
    }
}
