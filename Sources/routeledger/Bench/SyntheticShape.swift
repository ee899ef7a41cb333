import Ranking

/// A memory of random unit vectors with random pairings and outcomes: the shape of real data
/// for timing, none of its meaning.
struct SyntheticShape {
    let battles: Int
    let dimension: Int
    let models: Int
    let tiers: Int
    let queries: Int
    let seed: UInt64

    func make() -> (BattleMemory, FloatMatrix) {
        var generator = SeededGenerator(seed: seed)
        var memory = BattleMemory(dimension: dimension, expectedBattles: battles)
        let names = (0..<models).map { "model-\($0)" }
        var row = [Float](repeating: 0, count: dimension)
        for _ in 0..<battles {
            for i in 0..<dimension { row[i] = Float.random(in: -1...1, using: &generator) }
            let a = Int.random(in: 0..<models, using: &generator)
            let b = (a + Int.random(in: 1..<models, using: &generator)) % models
            let outcome = BattleOutcome.allCases.randomElement(using: &generator)!
            try! memory.append(modelA: names[a], modelB: names[b], outcome: outcome, embedding: row)
        }
        let queryValues = (0..<(queries * dimension)).map { _ in Float.random(in: -1...1, using: &generator) }
        return (memory.groupedByMatchup(), FloatMatrix(rows: queries, columns: dimension, values: queryValues))
    }
}
