import Foundation
import Ledger
import Ranking
import Streams
import Testing
import TestSupport
@testable import Pipeline

@Suite struct RouteBatchProcessorTests {
    private func input(_ offset: Int64, _ value: Data) -> InputRecord {
        InputRecord(source: RecordPosition(topic: "llm.queries", partition: 0, offset: offset), key: Data("k\(offset)".utf8), value: value)
    }

    /// A configured model the router does not route to (priced, say, for the ledger) named alone
    /// in a query's `models` leaves no candidate: the query is dead-lettered, the batch goes on.
    @Test func aQueryAllowingNoCandidateIsDeadLetteredAndTheBatchGoesOn() throws {
        var (configuration, snapshot) = try twoTopicRouting()
        configuration.models.append(.init(name: "archive", price: configuration.models[1].price))
        let processor = RouteBatchProcessor(configuration: configuration, embedder: nil)
        let result = processor.process([
            input(0, queryEvent(id: "a", embedding: [1, 0, 0, 0], extra: #","models":["archive"]"#)),
            input(1, queryEvent(id: "b", embedding: [1, 0, 0, 0], extra: #","models":["archive","weak"]"#)),
        ], with: snapshot)
        #expect(result.rejections == [.unknownModel: 1])
        #expect(result.decisions.map(\.model) == ["weak"])
    }

    @Test func routesEachQueryByTheBattlesLikeIt() throws {
        let (configuration, snapshot) = try twoTopicRouting()
        let processor = RouteBatchProcessor(configuration: configuration, embedder: nil)
        let result = processor.process([
            input(0, queryEvent(id: "a", embedding: [2, 0, 0, 0], extra: #","max_output_tokens":100"#)),
            input(1, queryEvent(id: "b", embedding: [0, 1, 0, 0], extra: #","metadata":{"team":"ads","n":1}"#)),
        ], with: snapshot, now: Date(timeIntervalSince1970: 0))
        #expect(result.decisions.map(\.model) == ["strong", "weak"])
        // The query's tags go with its decision to the ledger; a query without any has none.
        #expect(result.decisions.map(\.tags) == [nil, ["team": "ads"]])
        #expect(result.rejections.isEmpty)
        let first = result.decisions[0]
        #expect(abs(first.candidates[0].referenceWinRate - 1 / 1.1) < 1e-6)
        #expect(first.referenceModel == "strong" && first.threshold == 0.5)
        // 8 prompt bytes → 2 input tokens; 100 output tokens. Strong: 2×10 + 100×30 = 3,020 µ$.
        #expect(first.estimatedInputTokens == 2 && first.estimatedOutputTokens == 100)
        #expect(first.estimatedCostMicroUSD == 3_020 && first.referenceCostMicroUSD == 3_020)
        // Weak with the default 256 output tokens: 2×0.5 + 256×1.5 = 385 µ$ against 7,700 µ$.
        #expect(result.decisions[1].estimatedCostMicroUSD == 385 && result.decisions[1].referenceCostMicroUSD == 7_700)
        #expect(first.decisionID == RoutingDecision.id(tenant: "acme", queryID: "a", routerVersion: "sw-v1", model: "strong"))
        #expect(first.source == RecordPosition(topic: "llm.queries", partition: 0, offset: 0))
        #expect(first.ratingsVersion == "test-1" && first.memoryBattles == 2 && first.embedder == "given")
    }

    /// Two records per decision (the model's topic, then the decisions topic), one per reject,
    /// in input order, each keyed like its input.
    @Test func producesEveryOutputInInputOrder() throws {
        let (configuration, snapshot) = try twoTopicRouting()
        let processor = RouteBatchProcessor(configuration: configuration, embedder: nil)
        let result = processor.process([
            input(0, queryEvent(id: "a", embedding: [0, 1, 0, 0])),
            input(1, Data("{oops".utf8)),
            input(2, queryEvent(id: "c", embedding: [1, 0, 0, 0])),
        ], with: snapshot)
        #expect(result.records.map(\.topic) == ["llm.route.weak", "llm.decisions", "llm.deadletter", "llm.route.strong", "llm.decisions"])
        #expect(result.records.map { String(decoding: $0.key ?? Data(), as: UTF8.self) } == ["k0", "k0", "k1", "k2", "k2"])
        let enriched = try #require(try JSONSerialization.jsonObject(with: result.records[0].value) as? [String: Any])
        #expect((enriched["routeledger"] as? [String: Any])?["model"] as? String == "weak")
        let deadLetter = try #require(try JSONSerialization.jsonObject(with: result.records[2].value) as? [String: Any])
        #expect(deadLetter["error_kind"] as? String == "malformed_json")
        #expect(Data(base64Encoded: deadLetter["raw_base64"] as? String ?? "") == Data("{oops".utf8))
    }

    @Test func unusableEmbeddingsAreDeadLettered() throws {
        let (configuration, snapshot) = try twoTopicRouting()
        let processor = RouteBatchProcessor(configuration: configuration, embedder: nil)
        let result = processor.process([
            input(0, queryEvent(id: "short", embedding: [1, 0])),
            input(1, queryEvent(id: "zero", embedding: [0, 0, 0, 0])),
            input(2, queryEvent(id: "none", embedding: nil)),
            input(3, queryEvent(id: "fine", embedding: [1, 1, 0, 0])),
        ], with: snapshot)
        #expect(result.rejections == [.badEmbedding: 2, .embeddingFailed: 1])
        #expect(result.decisions.map(\.queryID) == ["fine"])
    }

    /// A query may narrow the candidates; with only the weak model allowed, it gets it.
    @Test func aQueryMayRestrictTheCandidates() throws {
        let (configuration, snapshot) = try twoTopicRouting()
        let processor = RouteBatchProcessor(configuration: configuration, embedder: nil)
        let result = processor.process([
            input(0, queryEvent(id: "a", embedding: [1, 0, 0, 0], extra: #","models":["weak"]"#)),
            input(1, queryEvent(id: "b", embedding: [1, 0, 0, 0], extra: #","models":["gpt-9"]"#)),
        ], with: snapshot)
        #expect(result.decisions.map(\.model) == ["weak"])
        #expect(result.rejections == [.unknownModel: 1])
    }

    @Test func aConfiguredModelWithoutBattlesIsRefusedAtStart() throws {
        var (configuration, _) = try twoTopicRouting()
        configuration.routing.cheaper = ["weak", "tiny"]
        configuration.models.append(.init(name: "tiny", price: TokenPrice(inputPerMillion: .zero, outputPerMillion: .zero)))
        var memory = BattleMemory(dimension: 4)
        try memory.append(modelA: "strong", modelB: "weak", outcome: .modelA, embedding: [1, 0, 0, 0])
        #expect(throws: RouterSetupError.modelsWithoutBattles(["tiny"], memoryModels: ["strong", "weak"])) {
            try RouterSnapshot(memory: memory, configuration: configuration, ratingsVersion: "v")
        }
    }

    /// A configured name the memory spells another way (a hub's `org/Model-Name`) is listed
    /// first among the memory's models, so the fix is plain from the message.
    @Test func aMissingModelIsAnsweredWithTheMemorysClosestNamesFirst() throws {
        var (configuration, _) = try twoTopicRouting()
        configuration.routing.cheaper = ["mixtral-8x7b-instruct-v0.1"]
        configuration.models.append(.init(name: "mixtral-8x7b-instruct-v0.1", price: configuration.models[1].price))
        var memory = BattleMemory(dimension: 4)
        for other in ["claude-2", "mistralai/Mixtral-8x7B-Instruct-v0.1", "gpt-3.5-turbo"] {
            try memory.append(modelA: "strong", modelB: other, outcome: .modelA, embedding: [1, 0, 0, 0])
        }
        #expect {
            try RouterSnapshot(memory: memory, configuration: configuration, ratingsVersion: "v")
        } throws: { error in
            "\(error)".contains("closest to 'mixtral-8x7b-instruct-v0.1' first: mistralai/Mixtral-8x7B-Instruct-v0.1, ")
        }
    }

    /// The battles table keeps the names battles were stored under: one whose battles are there
    /// only under an alias is refused with the rename that stores them under its name.
    @Test func aModelWhoseBattlesAreOnlyUnderAnAliasIsRefusedWithTheRename() throws {
        var (configuration, _) = try twoTopicRouting()
        configuration.routing.cheaper = ["mixtral-8x7b-instruct-v0.1"]
        configuration.models.append(.init(name: "mixtral-8x7b-instruct-v0.1", price: configuration.models[1].price,
                                          aliases: ["mistralai/Mixtral-8x7B-Instruct-v0.1"]))
        var memory = BattleMemory(dimension: 4)
        try memory.append(modelA: "strong", modelB: "mistralai/Mixtral-8x7B-Instruct-v0.1", outcome: .modelA, embedding: [1, 0, 0, 0])
        #expect {
            try RouterSnapshot(memory: memory, configuration: configuration, ratingsVersion: "v")
        } throws: { error in
            "\(error)".contains("only under aliases ('mistralai/Mixtral-8x7B-Instruct-v0.1')")
                && "\(error)".hasSuffix("--rename mistralai/Mixtral-8x7B-Instruct-v0.1=mixtral-8x7b-instruct-v0.1)")
        }
    }

    /// With enough live traffic (`routing.live_minimum`, 500) the strong share is calibrated on
    /// it: 500 queries like the strong model's prompt (win rate 1/1.1) and 100 like the weak
    /// one's (1/11) put the median, the threshold for a share of 0.5, at 1/1.1; with 499 of them
    /// the memory's prompts decide. The sample's scores come back for the window to take, row
    /// for row.
    @Test func aStrongShareIsCalibratedOnRecentQueriesWhenThereAreEnough() throws {
        var (configuration, _) = try twoTopicRouting()
        configuration.routing.threshold = .strongShare(0.5)
        let memory = try twoTopicMemory()
        func snapshot(strongLike: Int, weakLike: Int) throws -> RouterSnapshot {
            var window = LiveTraffic(capacity: configuration.routing.liveWindow)
            window.add(FloatMatrix(rows: strongLike + weakLike, columns: 4,
                                   values: Array(repeating: [1, 0, 0, 0], count: strongLike).flatMap { $0 }
                                       + Array(repeating: [0, 1, 0, 0], count: weakLike).flatMap { $0 }),
                       strongUpTo: Array(repeating: 0, count: strongLike + weakLike))
            return try RouterSnapshot(rankerMemory: memory.groupedByMatchup(), tierOfModel: [0, 1], configuration: configuration,
                                      ratingsVersion: "v", threshold: nil, liveSample: window.sample(of: ObjectIdentifier(Self.self)))
        }
        let live = try snapshot(strongLike: 500, weakLike: 100)
        #expect(abs(live.threshold - 1 / 1.1) < 1e-6 && live.calibratedOn == "600 recent queries")
        let scores = try #require(live.liveScores)
        #expect(scores.first == 0 && scores.strongUpTo.count == 600)
        #expect(abs(scores.strongUpTo[0] - 1 / 1.1) < 1e-6 && abs(scores.strongUpTo[599] - 1 / 11) < 1e-6)
        let few = try snapshot(strongLike: 400, weakLike: 99)
        #expect(abs(few.threshold - 0.5) < 1e-6 && few.calibratedOn == "the memory's prompts")
    }

    /// A strong share holds with a third candidate between the weak and the reference model:
    /// the reference answers only when it beats both with at least the threshold, so the
    /// calibration ranks the queries by the lower of the two win rates. Calibrated for 30 % on
    /// 400 queries of varied directions, routing those same queries sends 0.3 × 400 = 120 to
    /// the reference (the linear quantile puts the threshold between the 280th and 281st
    /// smallest). Calibrating on the win rate over the weak model alone would have set the
    /// threshold above what many of them beat "mid" with, and sent fewer.
    @Test func aStrongShareHoldsWithThreeCandidates() throws {
        var (configuration, _) = try twoTopicRouting()
        configuration.models.append(.init(name: "mid", price: TokenPrice(inputPerMillion: MicroUSD(dollars: "2")!,
                                                                         outputPerMillion: MicroUSD(dollars: "6")!)))
        configuration.routing.cheaper = ["weak", "mid"]
        configuration.routing.threshold = .strongShare(0.3)
        configuration.routing.liveMinimum = 400
        // strong beats weak along e1 and loses along e2; it beats mid along e3 and loses along e4.
        var memory = BattleMemory(dimension: 4)
        try memory.append(modelA: "strong", modelB: "weak", outcome: .modelA, embedding: [1, 0, 0, 0])
        try memory.append(modelA: "weak", modelB: "strong", outcome: .modelA, embedding: [0, 1, 0, 0])
        try memory.append(modelA: "strong", modelB: "mid", outcome: .modelA, embedding: [0, 0, 1, 0])
        try memory.append(modelA: "mid", modelB: "strong", outcome: .modelA, embedding: [0, 0, 0, 1])
        let vectors = (0..<400).map { index -> [Float] in
            let raw = (0..<4).map { axis in 1.2 + Float(sin(Double(index * (axis + 2)) * 0.37 + Double(axis))) }
            let norm = raw.map { $0 * $0 }.reduce(0, +).squareRoot()
            return raw.map { $0 / norm }
        }
        var window = LiveTraffic(capacity: 400)
        window.add(FloatMatrix(rows: vectors, columns: 4), strongUpTo: Array(repeating: 0, count: 400))
        // Tiers by strength: strong 0, mid 1, weak 2 (models in the memory's order: strong, weak, mid).
        let snapshot = try RouterSnapshot(rankerMemory: memory.groupedByMatchup(), tierOfModel: [0, 2, 1], configuration: configuration,
                                          ratingsVersion: "v", threshold: nil, liveSample: window.sample(of: ObjectIdentifier(Self.self)))
        #expect(snapshot.candidates == ["weak", "mid", "strong"] && snapshot.calibratedOn == "400 recent queries")
        let result = RouteBatchProcessor(configuration: configuration, embedder: nil).process(
            vectors.enumerated().map { input(Int64($0.offset), queryEvent(id: "q\($0.offset)", embedding: $0.element)) }, with: snapshot)
        #expect(result.decisions.count == 400)
        #expect(result.decisions.count { $0.model == "strong" } == 120)
        #expect(result.decisions.count { $0.model == "mid" } > 0 && result.decisions.count { $0.model == "weak" } > 0)
    }

    /// The window keeps the latest `capacity` queries, hands them out oldest first, and takes a
    /// new router's scores only for the sampled queries it still holds.
    @Test func theLiveWindowKeepsTheLatestQueriesAndTakesNewScoresOfThoseSampled() throws {
        var window = LiveTraffic(capacity: 4)
        let id = ObjectIdentifier(Self.self)
        window.add(FloatMatrix(rows: 6, columns: 2, values: (0..<6).flatMap { [Float($0), 1] }), strongUpTo: [0.9, 0.9, 0.9, 0.9, 0.1, 0.1])
        let sample = try #require(window.sample(of: id))
        // Queries 2…5 held: 0.9, 0.9, 0.1, 0.1, so 0.5 sends half strong.
        #expect(sample.first == 2 && (0..<4).map { sample.queries.row($0).first! } == [2, 3, 4, 5])
        #expect(window.strongShare(at: 0.5) == 0.5)
        // Two more arrive while a new router scores the sample (all four at 0.8): queries 2 and 3
        // have left, 4 and 5 take 0.8, 6 and 7 keep the 0.2 they were decided with.
        window.add(FloatMatrix(rows: 2, columns: 2, values: [6, 1, 7, 1]), strongUpTo: [0.2, 0.2])
        window.rescore(LiveTraffic.Scores(window: id, first: sample.first, strongUpTo: [0.8, 0.8, 0.8, 0.8]))
        #expect(window.strongShare(at: 0.5) == 0.5 && window.strongShare(at: 0.1) == 1)
        #expect(window.strongShare(at: 0.81) == 0)
    }

    /// Calibrating on the memory's own prompts: with a share of 0.5 over the two prompts, one
    /// goes strong — the threshold lies between their win rates.
    @Test func aStrongShareIsCalibratedOnTheMemorysPrompts() throws {
        var (configuration, _) = try twoTopicRouting()
        configuration.routing.threshold = .strongShare(0.5)
        let memory = try twoTopicMemory()
        let snapshot = try RouterSnapshot(memory: memory, configuration: configuration, ratingsVersion: "v")
        #expect(snapshot.threshold > 1 / 11.0 && snapshot.threshold < 1 / 1.1)
    }
}
