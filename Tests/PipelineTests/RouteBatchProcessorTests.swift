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

    /// With enough live traffic the strong share is calibrated on it: 500 queries like the
    /// strong model's prompt (win rate 1/1.1) and 100 like the weak one's (1/11) put the median,
    /// the threshold for a share of 0.5, at 1/1.1; with 499 of them the memory's prompts decide.
    @Test func aStrongShareIsCalibratedOnRecentQueriesWhenThereAreEnough() throws {
        var (configuration, _) = try twoTopicRouting()
        configuration.routing.threshold = .strongShare(0.5)
        let memory = try twoTopicMemory()
        func snapshot(strongLike: Int, weakLike: Int) throws -> RouterSnapshot {
            var recent = RecentQueries()
            recent.add(FloatMatrix(rows: strongLike + weakLike, columns: 4,
                                   values: Array(repeating: [1, 0, 0, 0], count: strongLike).flatMap { $0 }
                                       + Array(repeating: [0, 1, 0, 0], count: weakLike).flatMap { $0 }))
            return try RouterSnapshot(rankerMemory: memory.groupedByMatchup(), tierOfModel: [0, 1], configuration: configuration,
                                      ratingsVersion: "v", threshold: nil, recentQueries: recent.matrix)
        }
        let live = try snapshot(strongLike: 500, weakLike: 100)
        #expect(abs(live.threshold - 1 / 1.1) < 1e-6 && live.calibratedOn == "600 recent queries")
        let few = try snapshot(strongLike: 400, weakLike: 99)
        #expect(abs(few.threshold - 0.5) < 1e-6 && few.calibratedOn == "the memory's prompts")
    }

    /// The latest 2,000 query vectors are kept; older ones give way.
    @Test func recentQueriesKeepTheLatestTwoThousand() {
        var recent = RecentQueries()
        recent.add(FloatMatrix(rows: 2_100, columns: 2, values: (0..<2_100).flatMap { [Float($0), 1] }))
        let kept = recent.matrix!
        #expect(kept.rows == 2_000)
        #expect(Set((0..<kept.rows).map { kept.row($0).first! }) == Set((100..<2_100).map(Float.init)))
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
