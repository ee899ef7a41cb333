import Embeddings
import Foundation
import Kafka
import Postgres
import Ranking
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// Routers whose memory is the battles table: loading it, and following what is added.
@Suite struct RouterFollowerTests {
    private typealias F = LearningFixture

    private func routeStage(_ fixture: F, _ followed: FollowedMemory) -> RouteStage {
        RouteStage(configuration: fixture.configuration, embedder: fixture.embedder, snapshot: followed.snapshot,
                   shutdown: ShutdownSignal(signals: []))
    }

    private func follower(_ fixture: F, _ followed: FollowedMemory, _ stages: [RouteStage]) -> RouterFollower {
        RouterFollower(followed, stages: stages, configuration: fixture.configuration, database: fixture.database.settings,
                       shutdown: ShutdownSignal(signals: []))
    }

    /// Battles at times 0, 100, …, 2900; the first ten from source "old". The caps keep at most
    /// two "old" ones and twelve in all, newest first: times 2900 down to 1000 (18 newest are
    /// not "old"), so 1900…2900 (12 battles), none of them "old".
    @Test func aRouterLoadsTheTableWithCopyKeepingTheNewestWithinItsCaps() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            let battles = (0..<30).map { (index: Int) -> LabelledBattle in
                let (a, b) = index % 2 == 0 ? ("strong", "weak") : ("weak", "strong")
                return F.battle("prompt \(index)", a, b, .modelA, source: index < 10 ? "old" : "new", at: Double(index * 100))
            }
            let version = try fixture.importBattles(battles, on: connection)
            fixture.configuration.memoryLimits.maxBattles = 12
            fixture.configuration.memoryLimits.maxBattlesPerSource = ["old": 2]
            let followed = try FollowedMemory.load(configuration: fixture.configuration, connection: connection, embedder: fixture.embedder)
            #expect(followed.battles == 12)
            #expect(Set(followed.live.memory.times) == Set((18..<30).map { Double($0 * 100) }))
            #expect(followed.snapshot.ratingsVersion == version.label)
            #expect(followed.live.lastBattleID == 30)

            fixture.configuration.memoryLimits = MemoryLimits()
            let whole = try FollowedMemory.load(configuration: fixture.configuration, connection: connection, embedder: fixture.embedder)
            #expect(whole.battles == 30)
        }
    }

    @Test func aDatabaseOfAnotherEmbedderOrWithoutRatingsIsRefused() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            #expect(throws: LearningError.noRatings) {
                try FollowedMemory.load(configuration: fixture.configuration, connection: connection, embedder: fixture.embedder)
            }
            try fixture.importBattles(F.twoBattles, on: connection)
            #expect(throws: LearningError.self) {
                try FollowedMemory.load(configuration: fixture.configuration, connection: connection, embedder: HashingEmbedder(dimension: 32))
            }
        }
    }

    /// Two routers of one group (each routing its own partitions) both take every new battle
    /// and the new ratings version, and swap them into their stages.
    @Test func twoRoutersBothTakeTheSameLabelledBattlesAndRatingsVersion() throws {
        try F.withDatabase { fixture in
            fixture.configure(models: ["newcomer"])
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let routers = try (0..<2).map { _ in
                let followed = try FollowedMemory.load(configuration: fixture.configuration, connection: try fixture.database.connect(),
                                                       embedder: fixture.embedder)
                let stage = routeStage(fixture, followed)
                return (stage, follower(fixture, followed, [stage]))
            }
            let learner = try fixture.learner(connection)
            _ = try learner.process((0..<5).map { F.record(F.votesTopic, Int64($0), F.vote("v\($0)", prompt: "vote \($0)")) },
                                    deliver: { _ in })
            for (stage, follower) in routers {
                #expect(try follower.look(try fixture.database.connect()) == false)
                #expect(stage.snapshotInUse.ranker.memory.count == 7)
                #expect(follower.lastBattleID == 7)
            }
            let refit = try #require(try learner.process([F.record(F.votesTopic, 5, F.vote("v5", a: "newcomer", b: "weak"))],
                                                         deliver: { _ in })?.refit)
            for (stage, follower) in routers {
                try follower.look(try fixture.database.connect())
                #expect(stage.snapshotInUse.ratingsVersion == refit.label)
                #expect(stage.snapshotInUse.ranker.memory.count == 8)
                #expect(stage.snapshotInUse.ranker.memory.models.contains("newcomer"))
                #expect(follower.swaps == 2)
            }
        }
    }

    /// A battle stored without a refit that rates its new model waits outside the memory; the
    /// version that rates the model brings it in.
    @Test func aBattleOfAnUnratedModelWaitsForTheVersionThatRatesIt() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let followed = try FollowedMemory.load(configuration: fixture.configuration, connection: connection, embedder: fixture.embedder)
            let stage = routeStage(fixture, followed)
            let follower = follower(fixture, followed, [stage])
            let battle = F.battle("who is new here", "newcomer", "strong", .modelB)
            _ = try BattleTable(connection).insert(battle, vote: nil, embedding: fixture.embedder.embed([battle.prompt]).row(0),
                                                   embedder: fixture.embedder.identity)
            try follower.look(connection)
            #expect(stage.snapshotInUse.ranker.memory.count == 2)
            let version = try RatingsVersionTable(connection).refit(reason: .newModel, tierCount: 10, rounds: 5,
                                                                    embedder: fixture.embedder.identity)
            try follower.look(connection)
            #expect(stage.snapshotInUse.ranker.memory.count == 3)
            #expect(stage.snapshotInUse.ratingsVersion == version.label)
        }
    }

    /// A configured candidate without battles waits: the router starts with the others (and a
    /// query allowing only it is dead-lettered, not crashed on), and the ratings version that
    /// rates it brings it into routing without a restart — cheapest, and beating the reference
    /// here, so it is chosen.
    @Test func aConfiguredCandidateWithoutBattlesJoinsWithTheVersionThatRatesIt() throws {
        try F.withDatabase { fixture in
            fixture.addCheapestCandidate()
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let followed = try FollowedMemory.load(configuration: fixture.configuration, connection: connection, embedder: fixture.embedder)
            #expect(followed.snapshot.candidates == ["weak", "strong"] && followed.snapshot.waitingCandidates == ["mini"])
            let stage = routeStage(fixture, followed)
            let follower = follower(fixture, followed, [stage])
            let processor = RouteBatchProcessor(configuration: fixture.configuration, embedder: fixture.embedder)
            func route(_ extra: String = "") -> RouteBatchResult {
                processor.process([InputRecord(source: RecordPosition(topic: F.queriesTopic, partition: 0, offset: 0), key: nil,
                                               value: queryEvent(id: "q", prompt: "integrals of polynomials", embedding: nil, extra: extra))],
                                  with: stage.snapshotInUse)
            }
            #expect(route(#","models":["mini"]"#).rejections == [.unknownModel: 1])

            for prompt in ["integrals of polynomials", "a sonnet about autumn"] {
                let battle = F.battle(prompt, "mini", "strong", .modelA)
                _ = try BattleTable(connection).insert(battle, vote: nil, embedding: fixture.embedder.embed([prompt]).row(0),
                                                       embedder: fixture.embedder.identity)
            }
            let version = try RatingsVersionTable(connection).refit(reason: .newModel, tierCount: 10, rounds: 5, embedder: fixture.embedder.identity)
            try follower.look(connection)
            #expect(stage.snapshotInUse.ratingsVersion == version.label)
            #expect(stage.snapshotInUse.candidates == ["mini", "weak", "strong"] && stage.snapshotInUse.waitingCandidates.isEmpty)
            #expect(route().decisions.map(\.model) == ["mini"])
        }
    }

    /// Without the reference's battles, or with no cheaper candidate left, nothing can route.
    @Test func aReferenceWithoutBattlesStillRefusesTheStart() throws {
        try F.withDatabase { fixture in
            fixture.configure(models: ["other"])
            fixture.configuration.routing.strong = "other"
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            #expect(throws: RouterSetupError.self) {
                try FollowedMemory.load(configuration: fixture.configuration, connection: connection, embedder: fixture.embedder)
            }
        }
    }

    /// With a cap, following keeps the newest battles and never holds more than the cap.
    @Test func followingKeepsTheCapByDroppingTheOldest() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            try fixture.importBattles((0..<4).map { F.battle("old \($0)", "strong", "weak", .modelA, at: Double($0)) }, on: connection)
            fixture.configuration.memoryLimits.maxBattles = 4
            let followed = try FollowedMemory.load(configuration: fixture.configuration, connection: connection, embedder: fixture.embedder)
            let stage = routeStage(fixture, followed)
            let follower = follower(fixture, followed, [stage])
            _ = try fixture.learner(connection).process([F.record(F.votesTopic, 0, F.vote("v", winner: "model_b"))], deliver: { _ in })
            try follower.look(connection)
            let memory = stage.snapshotInUse.ranker.memory
            #expect(memory.count == 4)
            #expect(!memory.times.contains(0))
            #expect(memory.outcomes.contains(.modelB))
        }
    }
}
