import Foundation
import Postgres
import Ranking
import Streams
import Testing
import TestSupport
@testable import Pipeline

/// The learn stage's work on batches of votes and routed queries, against a real PostgreSQL.
@Suite struct VoteLearnerTests {
    private typealias F = LearningFixture

    @Test func votesBecomeBattlesWithTheirPromptsEmbeddingAndADuplicateVoteIsIgnored() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let learner = try fixture.learner(connection)
            let dead = F.DeadLetters()
            let first = try #require(try learner.process([
                F.record(F.votesTopic, 0, F.vote("v1", prompt: "derivatives of sines")),
                F.record(F.votesTopic, 1, F.vote("v2", prompt: "limerick about cats", winner: "tie")),
                F.record(F.votesTopic, 2, F.vote("v1", prompt: "derivatives of sines")),
            ], deliver: dead.deliver))
            let second = try #require(try learner.process([F.record(F.votesTopic, 3, F.vote("v2", prompt: "limerick about cats"))],
                                                          deliver: dead.deliver))
            #expect(first.stored == 2 && first.duplicates == 1)
            #expect(second.stored == 0 && second.duplicates == 1)
            #expect(dead.records.isEmpty)

            let rows = try connection.query("""
                SELECT vote_id, prompt, winner, source, voter, kafka_topic, kafka_offset, embedding, embedder_name
                FROM battles WHERE vote_id IS NOT NULL ORDER BY id
                """)
            #expect(try rows.map { try $0.decode(String.self, column: "vote_id") } == ["v1", "v2"])
            #expect(try rows[1].decode(String.self, column: "winner") == "tie")
            #expect(try rows[0].decode(String.self, column: "source") == VoteOrigin.battleSource)
            #expect(try rows[0].decode(String.self, column: "voter") == "user-1")
            #expect(try rows[1].decode(String.self, column: "kafka_topic") == F.votesTopic && rows[1].decode(Int.self, column: "kafka_offset") == 1)
            var stored: [Float] = []
            EmbeddingBytes.decode(try rows[0].decode([UInt8].self, column: "embedding"), appendingTo: &stored)
            #expect(stored == Array(fixture.embedder.embed(["derivatives of sines"]).row(0)))
            #expect(try rows[0].decode(String.self, column: "embedder_name") == fixture.embedder.identity.name)
        }
    }

    @Test func malformedVotesAreDeadLetteredWithTheirReasonAndTheStreamGoesOn() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let learner = try fixture.learner(connection)
            let dead = F.DeadLetters()
            let result = try #require(try learner.process([
                F.record(F.votesTopic, 0, Data("not json".utf8)),
                F.record(F.votesTopic, 1, F.vote("v1", a: "weak", b: "weak")),
                F.record(F.votesTopic, 2, F.vote("v2", winner: "model_c")),
                F.record(F.votesTopic, 3, F.vote("v3", prompt: nil)),
                F.record(F.votesTopic, 4, F.vote("v4", voter: "nul\u{0}byte")),
                F.record(F.votesTopic, 5, F.vote("v5")),
            ], deliver: dead.deliver))
            #expect(dead.records.map(\.errorKind) == ["malformed_json", "invalid_field", "invalid_field", "missing_field", "invalid_field"])
            #expect(dead.records.map(\.source.offset) == [0, 1, 2, 3, 4])
            #expect(dead.records.allSatisfy { $0.stage == "learn" })
            #expect(dead.records[4].message.contains("voter"))
            #expect(result.stored == 1)
            #expect(result.offsets.map(\.offset) == [6])
        }
    }

    /// A configured model no ratings version knows gets a tier in a refit right after its first
    /// battle is committed.
    @Test func aVoteForAConfiguredModelWithoutATierAddsItWithATierAtOnce() throws {
        try F.withDatabase { fixture in
            fixture.configure(models: ["newcomer"])
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let learner = try fixture.learner(connection)
            let result = try #require(try learner.process([F.record(F.votesTopic, 0, F.vote("v1", a: "newcomer", b: "strong"))],
                                                          deliver: { _ in }))
            let refit = try #require(result.refit)
            #expect(refit.reason == .newModel)
            #expect(refit.tier(of: "newcomer") != nil)
            #expect(try RatingsVersionTable(connection).latest() == refit)
        }
    }

    @Test func aVoteThatNamesItsQueryTakesThePromptTheQueryWasRoutedBy() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let learner = try fixture.learner(connection)
            let routed = #"{"schema":"routeledger.query.v1","id":"q1","tenant":"acme","created_at":"2026-11-24T10:00:00Z","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"prove Fermat's little theorem"}]}"#
            let earlier = #"{"schema":"routeledger.query.v1","id":"q0","tenant":"acme","created_at":"2026-11-24T09:00:00Z","prompt":"an earlier question"}"#
            _ = try learner.process([F.record(F.queriesTopic, 0, Data(earlier.utf8))], deliver: { _ in })
            let result = try #require(try learner.process([
                F.record(F.queriesTopic, 1, Data(routed.utf8)),
                F.record(F.votesTopic, 0, F.vote("v1", prompt: nil, queryID: "q1")),
                F.record(F.votesTopic, 1, F.vote("v2", prompt: nil, queryID: "q0")),
            ], deliver: { _ in }))
            #expect(result.stored == 2 && result.pending == 0)
            let prompts = try connection.query("SELECT query_id, prompt FROM battles WHERE vote_id IS NOT NULL ORDER BY vote_id")
            #expect(try prompts.map { try $0.decode(String.self, column: "prompt") } == ["prove Fermat's little theorem", "an earlier question"])
            #expect(try prompts.map { try $0.decode(String.self, column: "query_id") } == ["q1", "q0"])
        }
    }

    /// A vote whose query is not recorded yet waits without holding up others, and keeps the
    /// stored offset of its partition at itself while it waits; when its query never comes it is
    /// dead-lettered as unknown_query.
    @Test func aVoteWaitsForItsQueryAndIsDeadLetteredAsUnknownQueryWhenItNeverComes() throws {
        try F.withDatabase { fixture in
            fixture.configuration.learning.queryWaitSeconds = 30
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let learner = try fixture.learner(connection)
            let dead = F.DeadLetters()
            let start = Date()
            let first = try #require(try learner.process([
                F.record(F.votesTopic, 0, F.vote("early", prompt: nil, queryID: "late")),
                F.record(F.votesTopic, 1, F.vote("never", prompt: nil, queryID: "missing")),
                F.record(F.votesTopic, 2, F.vote("plain")),
            ], now: start, deliver: dead.deliver))
            #expect(first.stored == 1 && first.pending == 2)
            #expect(first.offsets.map(\.offset) == [0])

            let query = #"{"schema":"routeledger.query.v1","id":"late","tenant":"acme","created_at":"2026-11-24T10:00:00Z","prompt":"the late prompt"}"#
            let second = try #require(try learner.process([F.record(F.queriesTopic, 0, Data(query.utf8))],
                                                          now: start.addingTimeInterval(5), deliver: dead.deliver))
            #expect(second.stored == 1 && second.pending == 1)
            #expect(Set(second.offsets.map { "\($0.topic)@\($0.offset)" }) == ["\(F.votesTopic)@1", "\(F.queriesTopic)@1"])

            #expect(try learner.process([], now: start.addingTimeInterval(10), deliver: dead.deliver)?.pending == 1)
            let last = try #require(try learner.process([], now: start.addingTimeInterval(31), deliver: dead.deliver))
            #expect(last.pending == 0 && last.offsets.map(\.offset) == [3])
            #expect(dead.records.map(\.errorKind) == ["unknown_query"])
            #expect(dead.records[0].message.contains("'missing'"))
            #expect(try connection.count("SELECT count(*) AS n FROM battles WHERE vote_id IS NOT NULL") == 2)
        }
    }

    @Test func aVoteNamingAQueryIdOfSeveralTenantsIsDeadLetteredAsAmbiguous() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            let learner = try fixture.learner(connection)
            let dead = F.DeadLetters()
            func query(_ tenant: String, _ prompt: String) -> Data {
                Data(#"{"schema":"routeledger.query.v1","id":"shared","tenant":"\#(tenant)","created_at":"2026-11-24T10:00:00Z","prompt":"\#(prompt)"}"#.utf8)
            }
            _ = try learner.process([F.record(F.queriesTopic, 0, query("a", "first tenant's prompt")),
                                     F.record(F.queriesTopic, 1, query("b", "second tenant's prompt")),
                                     F.record(F.votesTopic, 0, F.vote("v", prompt: nil, queryID: "shared"))], deliver: dead.deliver)
            #expect(dead.records.map(\.errorKind) == ["ambiguous_query"])
        }
    }

    /// Every step is an Elo step from the model's rating before it: the refit's rating for the
    /// first, the previous step's after that; the stored online rating is the last step's.
    @Test func eachStoredVoteTakesOneEloStepFromTheRefitRatings() throws {
        try F.withDatabase { fixture in
            fixture.configuration.learning.eloK = 8
            let connection = try fixture.database.connect()
            let version = try fixture.importBattles(F.twoBattles + F.twoBattles + [F.battle("calculus", "strong", "weak", .modelA)], on: connection)
            let learner = try fixture.learner(connection)
            let winners = ["model_a", "model_b", "tie", "model_a", "tie (bothbad)"]
            _ = try learner.process(winners.enumerated().map { F.record(F.votesTopic, Int64($0.offset), F.vote("v\($0.offset)", winner: $0.element)) },
                                    deliver: { _ in })
            let steps = try connection.query("""
                SELECT b.winner, s.k, s.model_a_before, s.model_b_before, s.model_a_after, s.model_b_after
                FROM elo_steps s JOIN battles b ON b.id = s.battle_id ORDER BY s.battle_id
                """)
            #expect(steps.count == winners.count)
            var strong = try #require(version.models["strong"]).rating
            var weak = try #require(version.models["weak"]).rating
            for step in steps {
                let outcome = try #require(BattleOutcome(label: try step.decode(String.self, column: "winner")))
                #expect(try step.decode(Double.self, column: "k") == 8)
                #expect(try step.decode(Double.self, column: "model_a_before") == strong && step.decode(Double.self, column: "model_b_before") == weak)
                let after = EloStep.apply(ratingA: strong, ratingB: weak, outcome: outcome, k: 8)
                #expect(try step.decode(Double.self, column: "model_a_after") == after.a && step.decode(Double.self, column: "model_b_after") == after.b)
                (strong, weak) = after
            }
            let online = try connection.query("SELECT model, rating, votes FROM elo_ratings ORDER BY model")
            #expect(try online.map { try $0.decode(Double.self, column: "rating") } == [strong, weak])
            #expect(try online.map { try $0.decode(Int.self, column: "votes") } == [5, 5])
        }
    }

    /// The ratings of a refit are those of `GlobalRatings.fit`, `bootstrapIntervals` and
    /// `Tiers.assign` run offline over the same battles in the same order, to the last bit.
    @Test func aRefitEqualsAnOfflineFitOverTheSameBattles() throws {
        try F.withDatabase { fixture in
            fixture.configuration.learning.refitEveryVotes = 12
            fixture.configuration.routing.tiers = 2
            fixture.configure(models: ["alpha", "beta", "gamma"])
            let connection = try fixture.database.connect()
            let models = ["alpha", "beta", "gamma", "strong", "weak"]
            var generator = SeededGenerator(seed: 9)
            var all: [(String, String, BattleOutcome)] = []
            var seed: [LabelledBattle] = []
            let pairs = models.flatMap { a in models.filter { $0 != a }.map { (a, $0) } }
            for index in 0..<60 {
                let (a, b) = pairs[index % pairs.count]
                let outcome = BattleOutcome.allCases.randomElement(using: &generator)!
                seed.append(F.battle("seed \(index)", a, b, outcome))
                all.append((a, b, outcome))
            }
            try fixture.importBattles(seed, on: connection)
            let learner = try fixture.learner(connection)
            var records: [InputRecord] = []
            for index in 0..<12 {
                let (a, b) = (models[(index + 2) % 5], models[index % 5])
                let outcome = BattleOutcome.allCases.randomElement(using: &generator)!
                records.append(F.record(F.votesTopic, Int64(index), F.vote("v\(index)", prompt: "vote \(index)", a: a, b: b, winner: outcome.label)))
                all.append((a, b, outcome))
            }
            let refit = try #require(try learner.process(records, deliver: { _ in })?.refit)
            #expect(refit.reason == .votes && refit.battleCount == all.count)

            let names = models.sorted()
            let indexed = all.map { IndexedBattle(a: names.firstIndex(of: $0.0)!, b: names.firstIndex(of: $0.1)!, outcome: $0.2) }
            let ratings = GlobalRatings.fit(indexed, modelCount: names.count)
            let seedOfRefit = try connection.query("SELECT bootstrap_seed FROM ratings_versions WHERE id = $1", [.bigint(refit.id)])[0]
                .decode(Int64.self, column: "bootstrap_seed")
            #expect(seedOfRefit == refit.lastBattleID)
            let intervals = GlobalRatings.bootstrapIntervals(indexed, modelCount: names.count, rounds: fixture.configuration.learning.bootstrapRounds,
                                                             seed: UInt64(seedOfRefit))
            let tiers = Tiers.assign(ratings: ratings, tierCount: 2)
            for (index, name) in names.enumerated() {
                let stored = try #require(refit.models[name])
                #expect(stored.rating == ratings[index])
                #expect(stored.lower == intervals[index].lower && stored.median == intervals[index].median && stored.upper == intervals[index].upper)
                #expect(stored.tier == tiers[index])
            }
            #expect(Set(tiers) == [0, 1])
        }
    }

    /// After a restart the records whose effects were committed are skipped; the rest are new.
    @Test func offsetsStoredWithTheBattlesTellARestartedLearnerWhatIsNew() throws {
        try F.withDatabase { fixture in
            let connection = try fixture.database.connect()
            try fixture.importBattles(F.twoBattles, on: connection)
            _ = try fixture.learner(connection).process([F.record(F.votesTopic, 0, F.vote("v0")),
                                                         F.record(F.votesTopic, 1, F.vote("v1")),
                                                         F.record(F.votesTopic, 0, F.vote("x"), partition: 1)], deliver: { _ in })
            let restarted = try fixture.learner(try fixture.database.connect())
            #expect(!restarted.isNew(RecordPosition(topic: F.votesTopic, partition: 0, offset: 1)))
            #expect(restarted.isNew(RecordPosition(topic: F.votesTopic, partition: 0, offset: 2)))
            #expect(!restarted.isNew(RecordPosition(topic: F.votesTopic, partition: 1, offset: 0)))
            #expect(restarted.isNew(RecordPosition(topic: F.votesTopic, partition: 2, offset: 0)))
            let stored = try connection.query("SELECT topic, kafka_partition, next_offset FROM consumer_offsets WHERE consumer_group = $1 ORDER BY 2",
                                              [.text(fixture.configuration.learning.groupID)])
            #expect(try stored.map { try $0.decode(Int.self, column: "next_offset") } == [2, 1])
        }
    }
}
