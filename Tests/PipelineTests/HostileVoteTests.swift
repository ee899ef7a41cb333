import Foundation
import Postgres
import Ranking
import Testing
import TestSupport
@testable import Pipeline

/// What votes of a hostile sender can and cannot do to routing, against a real PostgreSQL:
/// votes naming models outside the configuration, a flood of new models, and fits that would
/// put the routing pair into one tier.
@Suite struct HostileVoteTests {
    private typealias F = LearningFixture

    /// Strong beats weak in nine battles of ten.
    static let seed = (0..<20).map { F.battle("seed \($0)", "strong", "weak", $0 % 10 == 0 ? .modelB : .modelA) }

    /// Votes in which `loser` loses to strong and to weak in turn. With two tiers, a model that
    /// loses every battle lies so far below both that the fit puts them together above it.
    static func votes(against loser: String, count: Int, from first: Int = 0) -> [InputRecord] {
        (first..<(first + count)).map { index in
            F.record(F.votesTopic, Int64(index), F.vote("\(loser)-\(index)", prompt: "junk \(index)", a: index % 2 == 0 ? "strong" : "weak",
                                                        b: loser, winner: "model_a"))
        }
    }

    /// The offline fit of the seed and `votes(against:)` over every model they name, as the
    /// learn stage fitted before it kept to the configured models.
    static func unrestrictedFit(against loser: String, count: Int) -> RatingsRefit {
        let battles = seed.map { ($0.modelA, $0.modelB, $0.winner) }
            + (0..<count).map { (($0 % 2 == 0 ? "strong" : "weak"), loser, BattleOutcome.modelA) }
        let outcomes = battles.enumerated().map { StoredOutcome(id: Int64($0.offset + 1), modelA: $0.element.0, modelB: $0.element.1,
                                                                outcome: $0.element.2) }
        return RatingsRefit(outcomes, tierCount: 2, rounds: 1, seed: 1)
    }

    /// The model names that label any series of the registry.
    static func modelLabels(_ metrics: MetricsRegistry) throws -> Set<String> {
        Set(try ScrapedMetrics(metrics.render()).samples.compactMap { $0.labels["model"] })
    }

    @Test func votesNamingModelsOutsideTheConfigurationAreDeadLetteredAsUnknownModel() throws {
        try F.withDatabase { fixture in
            fixture.configuration.routing.tiers = 2
            let connection = try fixture.database.connect()
            let imported = try fixture.importBattles(Self.seed, on: connection)
            let metrics = MetricsRegistry()
            let learner = try fixture.learner(connection, counters: fixture.counters(metrics))
            let dead = F.DeadLetters()
            let result = try #require(try learner.process(Self.votes(against: "made-up", count: 3) + [
                F.record(F.votesTopic, 3, F.vote("both-made-up", a: "made-up", b: "invented")),
            ], deliver: dead.deliver))
            #expect(dead.records.map(\.errorKind) == Array(repeating: "unknown_model", count: 4))
            #expect(dead.records[0].message.contains("'made-up'"))
            #expect(result.stored == 0 && result.refit == nil)
            #expect(try connection.count("SELECT count(*) AS n FROM battles") == Self.seed.count)
            #expect(try RatingsVersionTable(connection).latest() == imported)
            #expect(try Self.modelLabels(metrics).isSubset(of: ["strong", "weak"]))
        }
    }

    /// With `learning.accept_unknown_models`, such votes are stored, but the refit rates the
    /// configured models only: the pair's tiers are those of the configured battles alone, while
    /// a fit over every model would have put strong and weak together.
    @Test func acceptedVotesForUnknownModelsAreStoredButLeaveTheConfiguredTiersAlone() throws {
        try F.withDatabase { fixture in
            fixture.configuration.routing.tiers = 2
            fixture.configuration.learning.acceptUnknownModels = true
            fixture.configuration.learning.refitEveryVotes = 1
            let unrestricted = Self.unrestrictedFit(against: "made-up", count: 3)
            #expect(unrestricted.tier(of: "strong") == unrestricted.tier(of: "weak"))
            let connection = try fixture.database.connect()
            try fixture.importBattles(Self.seed, on: connection)
            let metrics = MetricsRegistry()
            let learner = try fixture.learner(connection, counters: fixture.counters(metrics))
            let result = try #require(try learner.process(Self.votes(against: "made-up", count: 3) + [
                F.record(F.votesTopic, 3, F.vote("configured", prompt: "a real vote")),
            ], deliver: { _ in }))
            #expect(result.stored == 4)
            let refit = try #require(result.refit)
            #expect(Set(refit.models.keys) == ["strong", "weak"])
            #expect(refit.tier(of: "strong") == 0 && refit.tier(of: "weak") == 1)
            #expect(refit.battleCount == Self.seed.count + 1)
            #expect(try connection.count("SELECT count(*) AS n FROM battles WHERE model_b = 'made-up'") == 3)
            #expect(try connection.count("SELECT count(*) AS n FROM elo_ratings WHERE model NOT IN ('strong', 'weak')") == 0)
            #expect(try Self.modelLabels(metrics) == ["strong", "weak"])
        }
    }

    /// A fit of configured models that puts the routing pair into one tier is not recorded; it
    /// is counted, and tried again no sooner than `learning.min_refit_interval_seconds` later.
    @Test func aFitThatPutsTheRoutingPairIntoOneTierIsRefusedAndCounted() throws {
        try F.withDatabase { fixture in
            fixture.configuration.routing.tiers = 2
            fixture.configuration.learning.refitEveryVotes = 1
            fixture.configuration.learning.minRefitIntervalSeconds = 60
            fixture.configure(models: ["hopeless"])
            let collapsing = Self.unrestrictedFit(against: "hopeless", count: 3)
            #expect(collapsing.tier(of: "strong") == collapsing.tier(of: "weak"))
            let connection = try fixture.database.connect()
            let imported = try fixture.importBattles(Self.seed, on: connection)
            let metrics = MetricsRegistry()
            let learner = try fixture.learner(connection, counters: fixture.counters(metrics))
            let start = Date()
            let first = try #require(try learner.process(Self.votes(against: "hopeless", count: 3), now: start, deliver: { _ in }))
            #expect(first.stored == 3 && first.refit == nil)
            #expect(try RatingsVersionTable(connection).latest() == imported)
            let refused = { try ScrapedMetrics(metrics.render()).value("routeledger_ratings_refused_total", ["reason": "routing_pair_collapsed"]) }
            #expect(try refused() == "1")

            let soon = try #require(try learner.process(Self.votes(against: "hopeless", count: 1, from: 3), now: start + 30, deliver: { _ in }))
            #expect(soon.refit == nil)
            #expect(try refused() == "1")
            _ = try learner.process([], now: start + 61, deliver: { _ in })
            #expect(try refused() == "2")
            #expect(try RatingsVersionTable(connection).latest() == imported)
        }
    }

    /// A thousand votes each naming two new models: refused by default; accepted, they neither
    /// enter the fit nor make more than one refit within the minimum interval.
    @Test func aFloodOfNewModelsNeitherGrowsTheRefitNorRepeatsIt() throws {
        try F.withDatabase { fixture in
            fixture.configuration.learning.refitEveryVotes = 1
            fixture.configuration.learning.bootstrapRounds = 1
            let flood = (0..<1_000).map { index in
                F.record(F.votesTopic, Int64(index), F.vote("flood-\(index)", prompt: "flood \(index % 10)", a: "new-\(index)-a", b: "new-\(index)-b"))
            }
            let connection = try fixture.database.connect()
            try fixture.importBattles(Self.seed, on: connection)
            let dead = F.DeadLetters()
            let refused = try #require(try fixture.learner(connection).process(flood, deliver: dead.deliver))
            #expect(refused.stored == 0 && refused.refit == nil && dead.records.count == 1_000)

            fixture.configuration.learning.acceptUnknownModels = true
            let learner = try fixture.learner(connection)
            let start = Date()
            var refits: [RatingsVersion] = []
            for (index, batch) in stride(from: 0, to: 1_000, by: 250).map({ Array(flood[$0..<($0 + 250)]) }).enumerated() {
                let renumbered = batch.enumerated().map { F.record(F.votesTopic, Int64(1_000 + index * 250 + $0.offset), $0.element.value) }
                let configured = F.record(F.votesTopic, Int64(2_000 + index), F.vote("real-\(index)"))
                let result = try #require(try learner.process(renumbered + [configured], now: start + Double(index), deliver: { _ in }))
                #expect(result.stored == 251)
                if let refit = result.refit { refits.append(refit) }
            }
            #expect(refits.count == 1)
            #expect(refits.allSatisfy { Set($0.models.keys) == ["strong", "weak"] })
            #expect(try connection.count("SELECT count(*) AS n FROM model_ratings WHERE model NOT IN ('strong', 'weak')") == 0)
        }
    }
}
