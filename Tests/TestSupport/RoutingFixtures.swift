import Foundation
import Ledger
import Pipeline
import Ranking

/// A memory where "strong" beat "weak" on prompts along e1 and lost on prompts along e2, so a
/// query along e1 goes strong and one along e2 goes weak (see SimilarityWeightedRankerTests for
/// the closed form: win rates 1/(1 + 10^-1) and 1/(1 + 10)).
public func twoTopicRouting(threshold: Double = 0.5) throws -> (RouteLedgerConfiguration, RouterSnapshot) {
    let memory = try twoTopicMemory()
    var configuration = strongAndWeakConfiguration(weakPerMillion: (input: "0.5", output: "1.5"))
    configuration.routing.threshold = .fixed(threshold)
    let snapshot = try RouterSnapshot(memory: memory, configuration: configuration, ratingsVersion: "test-1")
    return (configuration, snapshot)
}

/// Two battles: strong wins on the prompt along the first axis, weak on the one along the second.
public func twoTopicMemory() throws -> BattleMemory {
    var memory = BattleMemory(dimension: 4)
    try memory.append(modelA: "strong", modelB: "weak", outcome: .modelA, embedding: [1, 0, 0, 0])
    try memory.append(modelA: "weak", modelB: "strong", outcome: .modelA, embedding: [0, 1, 0, 0])
    return memory
}

/// Two models, "strong" at $10 / $30 per million input / output tokens and "weak" at the
/// prices given, the first the reference.
public func strongAndWeakConfiguration(weakPerMillion: (input: String, output: String)) -> RouteLedgerConfiguration {
    var configuration = RouteLedgerConfiguration()
    configuration.models = [
        .init(name: "strong", price: TokenPrice(inputPerMillion: MicroUSD(dollars: "10")!, outputPerMillion: MicroUSD(dollars: "30")!)),
        .init(name: "weak", price: TokenPrice(inputPerMillion: MicroUSD(dollars: weakPerMillion.input)!,
                                              outputPerMillion: MicroUSD(dollars: weakPerMillion.output)!)),
    ]
    configuration.routing.strong = "strong"
    configuration.routing.cheaper = ["weak"]
    configuration.memoryPath = "unused"
    return configuration
}

/// A valid query event, its prompt and embedding (if any) given.
public func queryEvent(id: String, prompt: String = "abcdefgh", embedding: [Float]?, extra: String = "") -> Data {
    let vector = embedding.map { ",\"embedding\":[\($0.map { "\($0)" }.joined(separator: ","))]" } ?? ""
    return Data(#"{"schema":"routeledger.query.v1","id":"\#(id)","tenant":"acme","created_at":"2026-11-24T10:00:00Z","prompt":"\#(prompt)"\#(vector)\#(extra)}"#.utf8)
}
