import Foundation
import Kafka
import Pipeline
import Ranking
import Testing
@testable import routeledger

/// Kill -9 the router at random points, ten times, during a 50,000-event run, restarting it
/// each time: no query may be lost (at least once), and the replays are counted.
@Suite(.serialized) struct RouteCrashTests {
    @Test func noQueryIsLostWhenTheRouterIsKilledTenTimes() throws {
        let events = 50_000
        let broker = try TestKafkaBroker(partitions: 16)
        let prefix = TestKafkaBroker.uniqueName("crash")
        let workspace = try RunCommandTests.makeWorkspace(topicsPrefix: prefix, broker: broker, partitions: 16)
        defer { try? FileManager.default.removeItem(at: workspace) }
        try RunCommandTests.produce(0..<events, topic: "\(prefix).queries", broker: broker)

        let reader = try KafkaConsumer(configuration: broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("reader")))
        defer { try? reader.close() }
        try reader.subscribe(topics: ["\(prefix).decisions"])
        var seen: [String: Int] = [:]
        func drain(for duration: Duration) throws {
            let deadline = ContinuousClock.now + duration
            while ContinuousClock.now < deadline {
                for message in try reader.poll(maxMessages: 5_000, timeout: .milliseconds(100)) {
                    let decision = try JSONDecoder().decode(RoutingDecision.self, from: message.value)
                    seen[decision.queryID, default: 0] += 1
                }
            }
        }

        var generator = SeededGenerator(seed: 5)
        var killedWhileRouting = 0
        for _ in 0..<10 {
            let process = try RunCommandTests.launch(workspace, broker: broker)
            // Kill at a random moment shortly after this run's first decision shows up, so every
            // kill lands while the router is deciding, whatever the machine's speed.
            let before = seen.count
            let deadline = ContinuousClock.now + .seconds(120)
            while seen.count == before, ContinuousClock.now < deadline { try drain(for: .milliseconds(20)) }
            try drain(for: .milliseconds(Int.random(in: 20...400, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            #expect(RunCommandTests.waitForExit(process, within: .seconds(10)))
            if seen.count > before && seen.count < events { killedWhileRouting += 1 }
        }
        let process = try RunCommandTests.launch(workspace, broker: broker)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let deadline = ContinuousClock.now + .seconds(300)
        while seen.count < events, ContinuousClock.now < deadline { try drain(for: .seconds(1)) }
        process.terminate()
        #expect(RunCommandTests.waitForExit(process, within: .seconds(30)))

        let missing = (0..<events).filter { seen["q\($0)"] == nil }
        #expect(missing.isEmpty, "lost \(missing.count) queries, e.g. \(missing.prefix(5))")
        let replays = seen.values.reduce(0, +) - seen.count
        #expect(killedWhileRouting == 10, "every kill should land while the router is deciding")
        print("route crash test: \(events) queries, 10 kills (\(killedWhileRouting) while routing), \(replays) replayed decisions")
    }
}
