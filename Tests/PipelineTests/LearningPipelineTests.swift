import Embeddings
import Foundation
import Kafka
import Ledger
import Postgres
import Ranking
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// The learn stage and following routers running together against a Kafka-protocol broker and
/// PostgreSQL, as `routeledger run --stages route,learn` runs them.
@Suite(.serialized) struct LearningPipelineTests {
    private typealias F = LearningFixture

    private struct Running {
        let broker: TestKafkaBroker
        let stages: [RouteStage]
        let followers: [RouterFollower]
        let learn: LearnStage
        let ledger: LedgerStage?
        let shutdown: ShutdownSignal
        let finished = DispatchGroup()
    }

    /// Starts `routers` route stages of one group, each with its own follower, the learn stage,
    /// and the ledger stage if asked.
    private static func start(_ fixture: inout F, routers: Int, refitEveryVotes: Int = 100, withLedger: Bool = false) throws -> Running {
        let broker = try TestKafkaBroker(partitions: 4)
        var configuration = fixture.configuration
        try configuration.useTopics(of: broker, prefix: TestKafkaBroker.uniqueName("learn"))
        configuration.learning.followIntervalMilliseconds = 100
        configuration.learning.refitEveryVotes = refitEveryVotes
        fixture.configuration = configuration
        let shutdown = ShutdownSignal(signals: [])
        var stages: [RouteStage] = []
        var followers: [RouterFollower] = []
        for _ in 0..<routers {
            let followed = try FollowedMemory.load(configuration: configuration, connection: try fixture.database.connect(),
                                                   embedder: fixture.embedder)
            let stage = RouteStage(configuration: configuration, embedder: fixture.embedder, snapshot: followed.snapshot, shutdown: shutdown)
            stages.append(stage)
            followers.append(RouterFollower(followed, stages: [stage], configuration: configuration, database: fixture.database.settings,
                                            shutdown: shutdown))
        }
        let learn = LearnStage(configuration: configuration, embedder: fixture.embedder, database: fixture.database.settings,
                               shutdown: shutdown, log: StageLog(component: "learn", minimumLevel: .warning))
        let ledger = withLedger ? LedgerStage(configuration: configuration, database: fixture.database.settings, shutdown: shutdown,
                                              log: StageLog(component: "ledger", minimumLevel: .warning)) : nil
        let running = Running(broker: broker, stages: stages, followers: followers, learn: learn, ledger: ledger, shutdown: shutdown)
        for stage in stages as [any PipelineStage] + followers + [learn] + (ledger.map { [$0] } ?? []) {
            running.finished.enter()
            Thread.detachNewThread {
                try? stage.run()
                running.finished.leave()
            }
        }
        return running
    }

    /// A consumer of its own group, reading `topic` from the start.
    private static func reader(of topic: String, _ running: Running) throws -> KafkaConsumer {
        let reader = try KafkaConsumer(configuration: running.broker.consumerConfiguration(group: TestKafkaBroker.uniqueName("reader")))
        try reader.subscribe(topics: [topic])
        return reader
    }

    private static func stop(_ running: Running) {
        running.shutdown.request(reason: "test over")
        running.finished.wait()
    }

    private static func send(_ values: [(key: String, value: Data)], to topic: String, broker: TestKafkaBroker) throws {
        let producer = try KafkaProducer(configuration: broker.producerConfiguration())
        for (key, value) in values { try producer.send(topic: topic, key: Data(key.utf8), value: value) }
        try producer.flush(timeout: .seconds(30)).requireDelivered()
    }

    private static func query(_ id: String, _ prompt: String) -> Data {
        let object: [String: Any] = ["schema": QueryEvent.schema, "id": id, "tenant": "acme", "created_at": "2026-11-24T10:00:00Z",
                                     "prompt": prompt]
        return try! JSONSerialization.data(withJSONObject: object)
    }

    /// Routes `count` queries of each topic and returns, per topic, the decisions.
    private static func route(_ count: Int, round: String, _ running: Running, _ configuration: RouteLedgerConfiguration,
                              reader: KafkaConsumer) throws -> (algebra: [RoutingDecision], poetry: [RoutingDecision]) {
        var queries: [(id: String, prompt: String)] = []
        for index in 0..<count {
            queries.append(("a\(round)\(index)", F.prompt(F.algebra, 1_000 + index)))
            queries.append(("p\(round)\(index)", F.prompt(F.poetry, 1_000 + index)))
        }
        let decisions = try decide(queries, running, configuration, reader: reader).values.sorted { $0.queryID < $1.queryID }
        return (decisions.filter { $0.queryID.hasPrefix("a") }, decisions.filter { $0.queryID.hasPrefix("p") })
    }

    /// Sends the queries (keyed by id) and returns their decisions by query id.
    private static func decide(_ queries: [(id: String, prompt: String)], _ running: Running, _ configuration: RouteLedgerConfiguration,
                               reader: KafkaConsumer) throws -> [String: RoutingDecision] {
        try send(queries.map { ($0.id, query($0.id, $0.prompt)) }, to: configuration.topics.queries, broker: running.broker)
        // A rebalance may replay earlier queries (at least once): keep these, once each.
        let wanted = Set(queries.map(\.id))
        var decided: [String: RoutingDecision] = [:]
        let deadline = ContinuousClock.now + .seconds(90)
        while decided.count < wanted.count, ContinuousClock.now < deadline {
            for message in try reader.poll(maxMessages: 500, timeout: .milliseconds(200)) {
                let decision = try JSONDecoder().decode(RoutingDecision.self, from: message.value)
                if wanted.contains(decision.queryID), decided[decision.queryID] == nil { decided[decision.queryID] = decision }
            }
        }
        #expect(decided.count == wanted.count)
        return decided
    }

    private static func strongShare(_ decisions: [RoutingDecision]) -> Double {
        Double(decisions.count { $0.model == "strong" }) / Double(max(decisions.count, 1))
    }

    private static func waitUntil(within timeout: Duration, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }

    /// The strong model wins on algebra and on poetry in the memory; then votes stream in where
    /// the weak model wins on algebra. Without a restart, the two routers of the group stop
    /// sending algebra to the strong model while poetry still goes there, and the decisions
    /// name the ratings version the learn stage refit last.
    @Test func votesForTheWeakModelOnOneTopicShiftOnlyThatTopicWithoutARestart() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            let first = try fixture.importBattles(F.strongWinsNineOfTen(algebra: 40, poetry: 160), on: connection)
            let running = try Self.start(&fixture, routers: 2)
            defer { Self.stop(running) }
            let configuration = fixture.configuration
            let reader = try Self.reader(of: configuration.topics.decisions, running)
            defer { try? reader.close() }

            let before = try Self.route(20, round: "b", running, configuration, reader: reader)
            #expect(Self.strongShare(before.algebra) == 1 && Self.strongShare(before.poetry) == 1)
            #expect((before.algebra + before.poetry).allSatisfy { $0.ratingsVersion == first.label && $0.memoryBattles == 200 })

            let votes = (0..<300).map { index in
                (key: "v\(index)", value: F.vote("v\(index)", prompt: F.prompt(F.algebra, 100 + index), winner: "model_b"))
            }
            try Self.send(votes, to: configuration.topics.votes, broker: running.broker)
            #expect(Self.waitUntil(within: .seconds(90)) {
                let learned = running.learn.counters.snapshot()
                return learned.stored == 300 && running.stages.allSatisfy {
                    $0.snapshotInUse.ranker.memory.count == 500 && $0.snapshotInUse.ratingsVersion == learned.ratingsVersion.map(RatingsVersion.label)
                }
            })
            let latest = try #require(try RatingsVersionTable(connection).latest())
            #expect(latest.id > first.id && latest.battleCount > 200)

            let after = try Self.route(20, round: "c", running, configuration, reader: reader)
            #expect(Self.strongShare(after.algebra) <= 0.25)
            #expect(Self.strongShare(after.poetry) == 1)
            #expect((after.algebra + after.poetry).allSatisfy { $0.ratingsVersion == latest.label && $0.memoryBattles == 500 })
            #expect(Set((after.algebra + after.poetry).map(\.source.partition)).count > 1)
            let lastBattle = try BattleTable(connection).lastID()
            #expect(running.followers.allSatisfy { $0.lastBattleID == lastBattle })
            FileHandle.standardError.write(Data("""
                drift: algebra strong share \(Self.strongShare(before.algebra)) -> \(Self.strongShare(after.algebra)); \
                poetry \(Self.strongShare(before.poetry)) -> \(Self.strongShare(after.poetry)); \
                mean strong win rate algebra \(Self.meanWinRate(before.algebra)) -> \(Self.meanWinRate(after.algebra)), \
                poetry \(Self.meanWinRate(before.poetry)) -> \(Self.meanWinRate(after.poetry))\n
                """.utf8))
        }
    }

    /// With `routing.kernel_sharpness: auto`, votes that make the winner depend on the topic (the
    /// weak model now wins algebra, the strong one still poetry) lead the learn stage's refit to
    /// a sharper kernel than the import chose on a memory whose winner was the same everywhere;
    /// the routers of the group rank with it without a restart, as they take the version's tiers.
    @Test func anAutoKernelChosenAtARefitReachesTheRoutersWithoutARestart() throws {
        try F.withDatabase { fixture in
            fixture.configuration.routing.kernelSharpness = .auto
            let connection = try fixture.database.connect()
            let first = try fixture.importBattles(F.strongWinsNineOfTen(algebra: 100, poetry: 100), on: connection)
            let importedChoice = try #require(first.kernelSharpness)
            #expect(importedChoice <= 1)
            // One refit, over all the votes.
            let running = try Self.start(&fixture, routers: 2, refitEveryVotes: 300)
            defer { Self.stop(running) }
            #expect(running.stages.allSatisfy { $0.snapshotInUse.ranker.sharpness == importedChoice })

            let votes = (0..<300).map { index in
                (key: "v\(index)", value: F.vote("v\(index)", prompt: F.prompt(F.algebra, 100 + index), winner: "model_b"))
            }
            try Self.send(votes, to: fixture.configuration.topics.votes, broker: running.broker)
            #expect(Self.waitUntil(within: .seconds(90)) {
                let learned = running.learn.counters.snapshot()
                return learned.stored == 300 && learned.ratingsVersion != first.id && running.stages.allSatisfy {
                    $0.snapshotInUse.ratingsVersion == learned.ratingsVersion.map(RatingsVersion.label)
                }
            })
            let latest = try #require(try RatingsVersionTable(connection).latest())
            let chosen = try #require(latest.kernelSharpness)
            #expect(chosen > 1)
            #expect(running.stages.allSatisfy { $0.snapshotInUse.ranker.sharpness == chosen })
        }
    }

    private static func meanWinRate(_ decisions: [RoutingDecision]) -> Double {
        decisions.map { $0.candidates.first { $0.model == "weak" }?.referenceWinRate ?? .nan }.reduce(0, +) / Double(max(decisions.count, 1))
    }

    /// With `routing.strong_share` and enough live traffic, the ratings version a vote brings
    /// calibrates the threshold on the route stage's latest queries scored under the new router:
    /// 40 queries like the memory's prompt the strong model won and 40 like the one it lost put
    /// the median halfway between their two win rates, and the live share at once at 0.5. (The
    /// memory's prompts — two battles on the first, one on the second — would have put it at the
    /// first's win rate.)
    @Test func aNewRatingsVersionCalibratesTheStrongShareOnTheLatestQueries() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            fixture.configuration.routing.threshold = .strongShare(0.5)
            fixture.configuration.routing.liveWindow = 100
            fixture.configuration.routing.liveMinimum = 50
            let running = try Self.start(&fixture, routers: 1, refitEveryVotes: 1)
            defer { Self.stop(running) }
            let configuration = fixture.configuration
            let stage = running.stages[0]
            let first = stage.snapshotInUse
            #expect(first.calibratedOn == "the memory's prompts")
            let reader = try Self.reader(of: configuration.topics.decisions, running)
            defer { try? reader.close() }
            let (won, lost) = (F.twoBattles[0].prompt, F.twoBattles[1].prompt)
            _ = try Self.decide((0..<80).map { ("l\($0)", $0 % 2 == 0 ? won : lost) }, running, configuration, reader: reader)

            try Self.send([("v1", F.vote("v1", prompt: won))], to: configuration.topics.votes, broker: running.broker)
            #expect(Self.waitUntil(within: .seconds(60)) { stage.snapshotInUse.ratingsVersion != first.ratingsVersion })
            let snapshot = stage.snapshotInUse
            #expect(snapshot.calibratedOn == "80 recent queries")
            let after = try Self.decide([("w", won), ("l", lost)], running, configuration, reader: reader)
            let winRate = { (id: String) in after[id]?.candidates.first { $0.model == "weak" }?.referenceWinRate ?? .nan }
            #expect(winRate("w") > winRate("l"))
            #expect(abs(snapshot.threshold - (winRate("w") + winRate("l")) / 2) < 1e-9)
            #expect(after["w"]?.model == "strong" && after["l"]?.model == "weak")
            #expect(stage.counters.metrics.value(.liveStrongShare) == 0.5)
        }
    }

    /// A configured, priced candidate without battles: the route stage starts without it
    /// (waiting for battles), the first votes naming it make the learn stage refit, and its
    /// router takes it up without a restart — queries go to its topic — while the ledger stage
    /// prices it from the configuration: 1,000 input and 500 output tokens at $0.10 / $0.20 per
    /// million cost $0.0002, at the reference's $10 / $30 $0.025, so $0.0248 saved.
    @Test func aModelJoinsRoutingAndTheLedgerWithTheRatingsVersionThatRatesIt() throws {
        try F.withDatabase { fixture in
            fixture.addCheapestCandidate()
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let running = try Self.start(&fixture, routers: 1, withLedger: true)
            defer { Self.stop(running) }
            let configuration = fixture.configuration
            let stage = running.stages[0]
            #expect(stage.snapshotInUse.candidates == ["weak", "strong"] && stage.snapshotInUse.waitingCandidates == ["mini"])
            let reader = try Self.reader(of: configuration.topics.decisions, running)
            defer { try? reader.close() }
            let (won, lost) = (F.twoBattles[0].prompt, F.twoBattles[1].prompt)
            let before = try Self.decide([("b1", won), ("b2", lost)], running, configuration, reader: reader)
            #expect(before.values.allSatisfy { $0.model != "mini" })

            try Self.send([won, lost].enumerated().map { ("m\($0.offset)", F.vote("m\($0.offset)", prompt: $0.element, a: "mini", b: "strong")) },
                          to: configuration.topics.votes, broker: running.broker)
            #expect(Self.waitUntil(within: .seconds(60)) { stage.snapshotInUse.candidates == ["mini", "weak", "strong"] })
            let after = try Self.decide([("a1", won)], running, configuration, reader: reader)
            #expect(after["a1"]?.model == "mini")
            let routed = try Self.reader(of: configuration.topics.route(for: "mini"), running)
            defer { try? routed.close() }
            #expect(try routed.poll(count: 1, within: .seconds(30)).map { String(decoding: $0.key ?? Data(), as: UTF8.self) } == ["a1"])

            let usage = #"{"schema":"routeledger.usage.v1","query_id":"a1","tenant":"acme","model":"mini","input_tokens":1000,"#
                + #""output_tokens":500,"completed_at":"2026-11-24T10:00:09Z"}"#
            try Self.send([("a1", Data(usage.utf8))], to: configuration.topics.usage, broker: running.broker)
            let booked = { () throws -> [PostgresRow] in
                try connection.query("SELECT chosen_model, actual_cost, actual_reference_cost, savings FROM ledger WHERE query_id = 'a1' "
                                     + "AND actual_cost IS NOT NULL")
            }
            #expect(try Self.waitUntil(within: .seconds(60)) { try !booked().isEmpty })
            let row = try #require(try booked().first)
            #expect(try row.decode(String.self, column: "chosen_model") == "mini")
            #expect(try row.decode(PostgresNumeric.self, column: "actual_cost").units(scale: 6) == 200)
            #expect(try row.decode(PostgresNumeric.self, column: "actual_reference_cost").units(scale: 6) == 25_000)
            #expect(try row.decode(PostgresNumeric.self, column: "savings").units(scale: 6) == 24_800)
        }
    }

    /// Votes naming their query take its prompt through the learn stage's record of the queries
    /// topic; a malformed vote is dead-lettered with its reason.
    @Test func votesNamingTheirQueryAreLearnedAndMalformedOnesDeadLettered() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let running = try Self.start(&fixture, routers: 1)
            defer { Self.stop(running) }
            let configuration = fixture.configuration
            try Self.send([("q1", Self.query("q1", "what is a monad"))], to: configuration.topics.queries, broker: running.broker)
            try Self.send([("v1", F.vote("v1", prompt: nil, queryID: "q1")), ("v2", Data("{".utf8))],
                          to: configuration.topics.votes, broker: running.broker)
            #expect(Self.waitUntil(within: .seconds(60)) { running.learn.counters.snapshot().stored == 1 })
            #expect(try connection.query("SELECT prompt FROM battles WHERE vote_id = 'v1'")[0].decode(String.self, column: "prompt") == "what is a monad")
            let reader = try Self.reader(of: configuration.topics.deadLetter, running)
            defer { try? reader.close() }
            let dead = try reader.poll(count: 1, within: .seconds(30)).map { try JSONDecoder().decode(DeadLetterRecord.self, from: $0.value) }
            #expect(dead.map(\.errorKind) == ["malformed_json"])
            #expect(dead.first?.stage == "learn")
        }
    }

    /// Three votes in which a made-up model loses to strong and weak would, fitted, put the two
    /// into one tier of two, and every strong win rate would be exactly 0.5. They are
    /// dead-lettered `unknown_model` instead, and the router still decides between two tiers.
    @Test func votesNamingMadeUpModelsAreDeadLetteredAndRoutingStaysOn() throws {
        try F.withDatabase { fixture in
            fixture.configuration.routing.tiers = 2
            let unrestricted = HostileVoteTests.unrestrictedFit(against: "made-up", count: 3)
            #expect(unrestricted.tier(of: "strong") == unrestricted.tier(of: "weak"))
            let connection = try fixture.database.connect()
            let seed = F.strongWinsNineOfTen(algebra: 40, poetry: 40)
            let first = try fixture.importBattles(seed, on: connection)
            let running = try Self.start(&fixture, routers: 1)
            defer { Self.stop(running) }
            let junk = HostileVoteTests.votes(against: "made-up", count: 3).map { (key: "junk", value: $0.value) }
            try Self.send(junk, to: fixture.configuration.topics.votes, broker: running.broker)
            let deadReader = try Self.reader(of: fixture.configuration.topics.deadLetter, running)
            defer { try? deadReader.close() }
            let dead = try deadReader.poll(count: 3, within: .seconds(60)).map { try JSONDecoder().decode(DeadLetterRecord.self, from: $0.value) }
            #expect(dead.map(\.errorKind) == Array(repeating: "unknown_model", count: 3))

            let reader = try Self.reader(of: fixture.configuration.topics.decisions, running)
            defer { try? reader.close() }
            let decided = try Self.route(10, round: "j", running, fixture.configuration, reader: reader)
            let winRates = (decided.algebra + decided.poetry).compactMap { $0.candidates.first { $0.model == "weak" }?.referenceWinRate }
            #expect(winRates.count == 20 && winRates.allSatisfy { $0 > 0.5 })
            #expect((decided.algebra + decided.poetry).allSatisfy { $0.ratingsVersion == first.label })
            #expect(try connection.count("SELECT count(*) AS n FROM battles") == seed.count)
        }
    }

    /// A learn stage started again reads on from the offsets stored with its battles: nothing
    /// is stored or stepped twice, nothing is skipped.
    @Test func aRestartedLearnStageGoesOnWhereTheDatabaseSays() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let first = try Self.start(&fixture, routers: 0)
            let configuration = fixture.configuration
            try Self.send((0..<10).map { ("v\($0)", F.vote("v\($0)", prompt: "first run \($0)")) }, to: configuration.topics.votes,
                          broker: first.broker)
            #expect(Self.waitUntil(within: .seconds(60)) { first.learn.counters.snapshot().stored == 10 })
            Self.stop(first)

            let shutdown = ShutdownSignal(signals: [])
            let again = LearnStage(configuration: configuration, embedder: fixture.embedder, database: fixture.database.settings,
                                   shutdown: shutdown, log: StageLog(component: "learn", minimumLevel: .warning))
            try running(again, shutdown: shutdown) {
                try Self.send((10..<15).map { ("v\($0)", F.vote("v\($0)", prompt: "second run \($0)")) }, to: configuration.topics.votes,
                              broker: first.broker)
                #expect(Self.waitUntil(within: .seconds(60)) { again.counters.snapshot().stored == 5 })
                Thread.sleep(forTimeInterval: 0.5)
                let counts = again.counters.snapshot()
                #expect(counts.votes == 5 && counts.duplicates == 0)
                #expect(try connection.count("SELECT count(*) AS n FROM battles WHERE vote_id IS NOT NULL") == 15)
                #expect(try connection.count("SELECT count(*) AS n FROM elo_steps") == 15)
                // Its consumer lag is published, and every vote was read.
                #expect(try Self.waitUntil(within: .seconds(15)) {
                    let lag = try ScrapedMetrics(again.counters.metrics.render())
                        .all("routeledger_consumer_lag", including: ["stage": "learn", "topic": configuration.topics.votes])
                    return !lag.isEmpty && lag.allSatisfy { $0.value == "0" }
                })
            }
        }
    }
}
