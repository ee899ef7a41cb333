import Foundation
import Kafka
import Postgres
import Ranking
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// Retracting the battles of one source, against a real PostgreSQL: audited, out of the fit and
/// out of following routers' memory.
@Suite struct BattleRetractionTests {
    private typealias F = LearningFixture

    /// Thirty votes of a feed for the weak model, two of an app for the strong one, on top of a
    /// memory where strong wins nine battles of ten. Retracting the feed leaves exactly the fit
    /// of the memory and the app's votes, in the table and in a following router.
    @Test func retractingASourceAuditsItAndTakesItsBattlesOutOfTheFitAndTheRouters() throws {
        try F.withDatabase { fixture in
            fixture.configuration.learning.refitEveryVotes = 1
            fixture.configuration.learning.minRefitIntervalSeconds = 0
            let connection = try fixture.database.connect()
            let seed = HostileVoteTests.seed
            try fixture.importBattles(seed, on: connection)
            let followed = try FollowedMemory.load(configuration: fixture.configuration, connection: try fixture.database.connect(),
                                                   embedder: fixture.embedder)
            let stage = RouteStage(configuration: fixture.configuration, embedder: fixture.embedder, snapshot: followed.snapshot,
                                   shutdown: ShutdownSignal(signals: []))
            let follower = RouterFollower(followed, stages: [stage], configuration: fixture.configuration,
                                          database: fixture.database.settings, shutdown: ShutdownSignal(signals: []))
            let feed = (0..<30).map { F.record(F.votesTopic, Int64($0), F.vote("feed-\($0)", prompt: "feed \($0)", winner: "model_b",
                                                                                source: "spam-feed")) }
            let app = (0..<2).map { F.record(F.votesTopic, Int64(30 + $0), F.vote("app-\($0)", prompt: "app \($0)", source: "app")) }
            let learner = try fixture.learner(connection)
            let spoilt = try #require(try learner.process(feed + app, deliver: { _ in })?.refit)
            try follower.look(try fixture.database.connect())
            #expect(stage.snapshotInUse.ranker.memory.count == seed.count + 32)

            let retraction = try BattleRetraction.retract(source: "spam-feed", reason: "votes of a compromised feed",
                                                          configuration: fixture.configuration, on: connection)
            #expect(retraction.battles == 30 && !retraction.refitRefused)
            let audit = try connection.query("SELECT source, battles, reason, retracted_by = current_user AS by_current_user FROM battle_retractions")
            #expect(audit.count == 1)
            #expect(try audit[0].decode(String.self, column: "source") == "spam-feed" && audit[0].decode(Int.self, column: "battles") == 30)
            #expect(try audit[0].decode(String.self, column: "reason") == "votes of a compromised feed" && audit[0].decode(Bool.self, column: "by_current_user"))
            #expect(try connection.count("SELECT count(*) AS n FROM battles WHERE retraction = $1", [.bigint(retraction.id)]) == 30)

            // The refit's ratings are the MLE over the memory and the app's votes alone.
            let kept = seed.map { ($0.modelA, $0.modelB, $0.winner) } + [("strong", "weak", .modelA), ("strong", "weak", .modelA)]
            let expected = RatingsRefit(kept.enumerated().map { StoredOutcome(id: Int64($0.offset), modelA: $0.element.0,
                                                                              modelB: $0.element.1, outcome: $0.element.2) },
                                        tierCount: 10, rounds: 1, seed: 1)
            let version = try #require(retraction.version)
            #expect(version.reason == .retraction && version.battleCount == seed.count + 2)
            #expect(version.models["strong"]?.rating == expected.ratings[expected.models.firstIndex(of: "strong")!])
            #expect(try #require(version.models["strong"]).rating > spoilt.models["strong"]!.rating)

            try follower.look(try fixture.database.connect())
            #expect(stage.snapshotInUse.ranker.memory.count == seed.count + 2)
            #expect(stage.snapshotInUse.ratingsVersion == version.label)

            // A retracted vote read again is known by its id, not learnt anew.
            let replay = try #require(try learner.process([F.record(F.votesTopic, 32, F.vote("feed-0", prompt: "feed 0", winner: "model_b",
                                                                                             source: "spam-feed"))], deliver: { _ in }))
            #expect(replay.stored == 0 && replay.duplicates == 1)
        }
    }

    @Test func aVoteSourceLongerThanItsBoundIsRefused() throws {
        let long = String(repeating: "s", count: EventBounds.identifierCharacters.upperBound + 1)
        #expect(throws: EventRejection.self) { try VoteEvent(bytes: F.vote("v", source: long)) }
        #expect(try VoteEvent(bytes: F.vote("v", source: "app")).source == "app")
    }
}
