import Embeddings
import Foundation
import Ranking

/// The costly part of routing a batch: embedding the prompts that came without a vector (in one
/// call) and ranking every vector of the batch (in one call). Both use every core; the route
/// stage runs them on its ranking thread (`RankingThread`).
struct RouteBatchRanker: Sendable {
    /// Nil when every event must bring its own embedding (`embedder.kind: given`).
    let embedder: (any Embedder)?

    func rank(_ batch: ParsedRouteBatch, workspace: RankingWorkspace) -> RankedRouteBatch {
        var batch = batch
        let dimension = batch.snapshot.ranker.memory.dimension
        var ranked = RankedRouteBatch(parsed: batch, ratings: [])
        let clock = ContinuousClock()
        let embeddingStarted = clock.now
        ranked.embeddedTexts = embedMissing(&batch, dimension: dimension)
        ranked.embeddingTime = clock.now - embeddingStarted
        ranked.parsed = batch

        var accepted: [Int] = []
        var values: [Float] = []
        for (index, vector) in batch.vectors.enumerated() {
            guard case .success(let vector) = vector else { continue }
            accepted.append(index)
            values += vector
        }
        let rankingStarted = clock.now
        let ratings: [TierRatings]
        do {
            ratings = try batch.snapshot.ranker.rank(FloatMatrix(rows: accepted.count, columns: dimension, values: values),
                                                     workspace: workspace)
        } catch {
            // Vectors were checked before; a failure here is a defect in that check.
            preconditionFailure("a checked embedding was refused by the ranker: \(error)")
        }
        ranked.rankingTime = clock.now - rankingStarted
        ranked.ratings = [TierRatings?](repeating: nil, count: batch.records.count)
        for (position, index) in accepted.enumerated() { ranked.ratings[index] = ratings[position] }
        return ranked
    }

    /// Gives every event still without a vector the embedder's, or a rejection saying why it
    /// cannot have one; returns how many prompts were embedded.
    private func embedMissing(_ batch: inout ParsedRouteBatch, dimension: Int) -> Int {
        let toEmbed = batch.vectors.indices.filter { index in
            if case .success = batch.events[index], batch.vectors[index] == nil { return true }
            return false
        }
        guard !toEmbed.isEmpty else { return 0 }
        guard let embedder else {
            for index in toEmbed {
                batch.vectors[index] = .failure(EventRejection(.embeddingFailed,
                    "the event has no 'embedding' and this router embeds nothing itself (embedder.kind is given)"))
            }
            return 0
        }
        guard embedder.dimension == dimension else {
            for index in toEmbed {
                batch.vectors[index] = .failure(EventRejection(.embeddingFailed,
                    "the embedder gives \(embedder.dimension) dimensions, the battle memory has \(dimension)"))
            }
            return 0
        }
        let texts = toEmbed.map { index -> String in
            guard case .success(let event) = batch.events[index] else { return "" }
            return event.routingText
        }
        for (index, embedding) in zip(toEmbed, embedEach(texts, with: embedder)) {
            batch.vectors[index] = embedding.mapError { EventRejection(.embeddingFailed, "\($0)") }
        }
        return texts.count
    }
}
