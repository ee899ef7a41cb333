import Embeddings
import Foundation
import Postgres
import Ranking
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// The kernel sharpness in the battles table: chosen by every import and, with
/// `routing.kernel_sharpness: auto`, by every refit of the learn stage; recorded with the ratings
/// version; ranked with by following routers, which take it as they take the tiers.
@Suite struct KernelSharpnessLearningTests {
    private typealias F = LearningFixture

    /// The strong model wins nine of ten on both topics: the winner is the same everywhere.
    private static let uniform = F.strongWinsNineOfTen(algebra: 100, poetry: 100)

    /// 300 votes in which the weak model wins algebra prompts. With `uniform` before them, the
    /// weak model wins 310 of the 400 algebra battles and the strong one 90 of the 100 poetry
    /// ones: the winner depends on the topic.
    private static func weakWinsAlgebra() -> [InputRecord] {
        (0..<300).map { F.record(F.votesTopic, Int64($0), F.vote("v\($0)", prompt: F.prompt(F.algebra, 100 + $0), winner: "model_b")) }
    }

    private func routeStage(_ fixture: F, _ followed: FollowedMemory, metrics: MetricsRegistry = MetricsRegistry()) -> RouteStage {
        RouteStage(configuration: fixture.configuration, embedder: fixture.embedder, snapshot: followed.snapshot,
                   shutdown: ShutdownSignal(signals: []), metrics: metrics)
    }

    private func follower(_ fixture: F, _ followed: FollowedMemory, _ stage: RouteStage) -> RouterFollower {
        RouterFollower(followed, stages: [stage], configuration: fixture.configuration, database: fixture.database.settings,
                       shutdown: ShutdownSignal(signals: []))
    }

    private static func scoredSharpnesses(of version: RatingsVersion, on connection: PostgresConnection) throws -> [Double] {
        try connection.query("SELECT sharpness FROM kernel_sharpness_scores WHERE ratings_version = $1 ORDER BY sharpness",
                             [.bigint(version.id)]).map { try $0.decode(Double.self, column: "sharpness") }
    }

    /// An import chooses γ on what it stored, with a score per candidate; a refit with `auto`
    /// chooses again on the battles it fits, records the choice, logs it and shows it; a router
    /// following the table ranks with each version's γ.
    @Test func anAutoRefitChoosesOnWhatItFitsAndFollowingRoutersRankWithIt() throws {
        try F.withDatabase { fixture in
            fixture.configuration.routing.kernelSharpness = .auto
            fixture.configuration.learning.refitEveryVotes = 100
            fixture.configuration.learning.minRefitIntervalSeconds = 0
            let connection = try fixture.database.connect()
            let imported = try fixture.importBattles(Self.uniform, on: connection)
            // The same winner everywhere: no kernel predicts held-out battles better than
            // RouteLLM's by two standard errors (a flatter one may).
            let importedChoice = try #require(imported.kernelSharpness)
            #expect(importedChoice <= 1)
            // One row per candidate (0, ½, 1, 2, …, 64), each over the 200 distinct prompts.
            #expect(try Self.scoredSharpnesses(of: imported, on: connection) == [0, 0.5, 1, 2, 4, 8, 16, 32, 64])
            #expect(try connection.count("SELECT count(*) AS n FROM kernel_sharpness_scores WHERE held_out_prompts = 200") == 9)

            let routeMetrics = MetricsRegistry()
            let followed = try FollowedMemory.load(configuration: fixture.configuration, connection: connection, embedder: fixture.embedder)
            #expect(followed.snapshot.ranker.sharpness == importedChoice && followed.snapshot.sharpnessSelection == nil)
            let stage = routeStage(fixture, followed, metrics: routeMetrics)
            let follower = follower(fixture, followed, stage)

            let learnMetrics = MetricsRegistry()
            let learner = try fixture.learner(connection, counters: fixture.counters(learnMetrics))
            let refit = try #require(try learner.process(Self.weakWinsAlgebra(), deliver: { _ in })?.refit)
            // The winner now depends on the topic: a sharper kernel keeps each query's fit to its
            // own topic, and predicts held-out battles better.
            let chosen = try #require(refit.kernelSharpness)
            #expect(chosen > 1)
            #expect(try RatingsVersionTable(connection).version(refit.id)?.kernelSharpness == chosen)
            #expect(try Self.scoredSharpnesses(of: refit, on: connection).count == 9)
            #expect(try ScrapedMetrics(learnMetrics.render()).number("routeledger_kernel_sharpness", ["stage": "learn"]) == chosen)

            try follower.look(connection)
            #expect(stage.snapshotInUse.ratingsVersion == refit.label)
            #expect(stage.snapshotInUse.ranker.sharpness == chosen && stage.snapshotInUse.sharpnessSelection == nil)
            #expect(try ScrapedMetrics(routeMetrics.render()).number("routeledger_kernel_sharpness", ["stage": "route"]) == chosen)
        }
    }

    /// A fixed sharpness is what routers rank with, whatever a version chose; the learn stage
    /// then chooses nothing. A router set to `auto` that meets such a version chooses on its
    /// memory itself.
    @Test func aFixedSharpnessIsUsedAsItIsAndAnAutoRouterChoosesWhereTheVersionHasNone() throws {
        try F.withDatabase { fixture in
            fixture.configuration.routing.kernelSharpness = .fixed(2)
            fixture.configuration.learning.refitEveryVotes = 100
            fixture.configuration.learning.minRefitIntervalSeconds = 0
            let connection = try fixture.database.connect()
            try fixture.importBattles(Self.uniform, on: connection)
            let fixed = try FollowedMemory.load(configuration: fixture.configuration, connection: connection, embedder: fixture.embedder)
            #expect(fixed.snapshot.ranker.sharpness == 2 && fixed.snapshot.sharpnessSelection == nil)

            let refit = try #require(try fixture.learner(connection).process(Self.weakWinsAlgebra(), deliver: { _ in })?.refit)
            #expect(refit.kernelSharpness == nil)
            #expect(try Self.scoredSharpnesses(of: refit, on: connection).isEmpty)

            var auto = fixture
            auto.configuration.routing.kernelSharpness = .auto
            let chosenAtLoad = try FollowedMemory.load(configuration: auto.configuration, connection: connection, embedder: fixture.embedder)
            let selection = try #require(chosenAtLoad.snapshot.sharpnessSelection)
            // The memory the router holds is the topic-dependent one of the refit.
            #expect(selection.chosen > 1 && chosenAtLoad.snapshot.ranker.sharpness == selection.chosen)
        }
    }
}
