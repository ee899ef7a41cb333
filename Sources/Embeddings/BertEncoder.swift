import CBLAS
import Dispatch

/// BERT's encoder over a batch of token sequences, ending in each sequence's mean-pooled token
/// states: embeddings → layer norm → N × [self-attention → add & norm → GELU feed-forward →
/// add & norm] → mean over the tokens.
///
/// The sequences of a batch are packed end to end rather than padded to the longest: every
/// dense layer (three quarters and more of the arithmetic) runs as one SGEMM over exactly the
/// real tokens, and attention runs per sequence over its own length. That is what an attention
/// mask over a padded batch computes, without the rows of padding, so a text's embedding does
/// not depend on what it was batched with.
struct BertEncoder: Sendable {
    let configuration: BertConfiguration
    let weights: BertWeights

    /// Model arithmetic for one sequence of `length` tokens (multiply-add = 2), counting the
    /// matrix products only: the figure GFLOP/s are quoted against.
    func operations(forLength length: Int) -> Double {
        let h = Double(configuration.hiddenSize), i = Double(configuration.intermediateSize), l = Double(length)
        let dense = 2 * l * (3 * h * h + h * h + 2 * h * i)
        let attention = 2 * 2 * l * l * h
        return Double(configuration.layerCount) * (dense + attention)
    }

    /// Mean-pooled final hidden states, `sequences.count` × hidden, row-major (not normalised).
    /// Every id must be below the vocabulary size and no sequence longer than the positions.
    func encode(_ sequences: [[Int32]], profile: EmbeddingProfile?) -> [Float] {
        let c = configuration
        let hidden = c.hiddenSize
        let starts = sequences.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        let tokens = starts.last!
        guard tokens > 0 else { return [Float](repeating: 0, count: sequences.count * hidden) }
        precondition(sequences.allSatisfy { $0.count <= c.maximumPositions }, "sequence longer than the model's positions")

        let x = UnsafeMutablePointer<Float>.allocate(capacity: tokens * hidden)
        let queryKeyValue = UnsafeMutablePointer<Float>.allocate(capacity: tokens * 3 * hidden)
        let context = UnsafeMutablePointer<Float>.allocate(capacity: tokens * hidden)
        let intermediate = UnsafeMutablePointer<Float>.allocate(capacity: tokens * max(c.intermediateSize, hidden))
        defer {
            for buffer in [x, queryKeyValue, context, intermediate] { buffer.deallocate() }
        }

        EmbeddingProfile.measure(profile, .embeddingLookup) {
            embed(sequences, starts: starts, into: x)
        }
        for layer in weights.layers {
            run(layer, x: x, tokens: tokens, starts: starts, queryKeyValue: queryKeyValue, context: context,
                intermediate: intermediate, profile: profile)
        }
        profile?.addOperations(sequences.reduce(0) { $0 + operations(forLength: $1.count) })

        return EmbeddingProfile.measure(profile, .pooling) {
            var pooled = [Float](repeating: 0, count: sequences.count * hidden)
            for (index, sequence) in sequences.enumerated() where !sequence.isEmpty {
                for row in starts[index]..<starts[index + 1] {
                    for column in 0..<hidden { pooled[index * hidden + column] += x[row * hidden + column] }
                }
                let inverse = 1 / Float(sequence.count)
                for column in 0..<hidden { pooled[index * hidden + column] *= inverse }
            }
            return pooled
        }
    }

    /// Word embedding + position embedding (token type 0 folded in), then layer norm.
    private func embed(_ sequences: [[Int32]], starts: [Int], into x: UnsafeMutablePointer<Float>) {
        let hidden = configuration.hiddenSize
        weights.wordEmbeddings.withUnsafeBufferPointer { words in
            weights.positionEmbeddings.withUnsafeBufferPointer { positions in
                for (index, sequence) in sequences.enumerated() {
                    for (position, id) in sequence.enumerated() {
                        let row = x + (starts[index] + position) * hidden
                        let word = words.baseAddress! + Int(id) * hidden
                        let place = positions.baseAddress! + position * hidden
                        for column in 0..<hidden { row[column] = word[column] + place[column] }
                    }
                }
            }
        }
        let norm = weights.embeddingNorm
        norm.scale.withUnsafeBufferPointer { scale in
            norm.shift.withUnsafeBufferPointer { shift in
                VectorMath.addAndNormalize(x, update: nil, bias: nil, rows: 0..<starts.last!, columns: hidden,
                                           scale: scale.baseAddress!, shift: shift.baseAddress!,
                                           epsilon: configuration.layerNormEpsilon)
            }
        }
    }

    private func run(_ layer: BertWeights.Layer, x: UnsafeMutablePointer<Float>, tokens: Int, starts: [Int],
                     queryKeyValue: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>,
                     intermediate: UnsafeMutablePointer<Float>, profile: EmbeddingProfile?) {
        let c = configuration
        let hidden = c.hiddenSize
        let epsilon = c.layerNormEpsilon

        EmbeddingProfile.measure(profile, .gemm) {
            layer.queryKeyValueBias.withUnsafeBufferPointer { bias in
                for row in 0..<tokens { (queryKeyValue + row * 3 * hidden).update(from: bias.baseAddress!, count: 3 * hidden) }
            }
            layer.queryKeyValue.multiply(x, rows: tokens, into: queryKeyValue, accumulate: true)
        }
        EmbeddingProfile.measure(profile, .attention) {
            attend(queryKeyValue, starts: starts, into: context)
        }
        EmbeddingProfile.measure(profile, .gemm) {
            layer.attentionOutput.multiply(context, rows: tokens, into: intermediate, accumulate: false)
        }
        EmbeddingProfile.measure(profile, .layerNorm) {
            addAndNormalize(x, update: intermediate, bias: layer.attentionOutputBias, norm: layer.attentionNorm, rows: tokens, epsilon: epsilon)
        }
        EmbeddingProfile.measure(profile, .gemm) {
            layer.intermediate.multiply(x, rows: tokens, into: intermediate, accumulate: false)
        }
        EmbeddingProfile.measure(profile, .gelu) {
            let shared = SharedPointer(base: intermediate)
            layer.intermediateBias.withUnsafeBufferPointer { bias in
                let sharedBias = SharedPointer(base: UnsafeMutablePointer(mutating: bias.baseAddress!))
                forEachPart(of: tokens, minimumPerPart: Self.minimumRowsPerPart) { rows in
                    VectorMath.addBiasAndGELU(shared.base, rows: rows, bias: sharedBias.base, columns: c.intermediateSize)
                }
            }
        }
        EmbeddingProfile.measure(profile, .gemm) {
            layer.output.multiply(intermediate, rows: tokens, into: context, accumulate: false)
        }
        EmbeddingProfile.measure(profile, .layerNorm) {
            addAndNormalize(x, update: context, bias: layer.outputBias, norm: layer.outputNorm, rows: tokens, epsilon: epsilon)
        }
    }

    /// Rows of queries handled per product: OpenBLAS runs an SGEMM of M·N·K ≤ 262,144 on the
    /// calling thread, and above that wakes its thread pool, which for these small products
    /// costs far more than it gains (measured ten times slower at 128 tokens on a busy host).
    /// Keeping each product under the threshold lets two sequences' heads run on the two cores
    /// at once instead.
    static let singleThreadedProductSize = 262_144
    /// Element-wise steps are split over the cores only above this many token rows.
    static let minimumRowsPerPart = 64

    /// Scaled dot-product attention of every head of every sequence, writing each head's
    /// output into its slice of the context rows. (sequence, head) pairs are spread over the
    /// cores; each pair works through its queries in blocks small enough for one thread.
    private func attend(_ queryKeyValue: UnsafeMutablePointer<Float>, starts: [Int], into context: UnsafeMutablePointer<Float>) {
        let hidden = configuration.hiddenSize
        let headSize = configuration.headSize
        let headCount = configuration.headCount
        let stride = 3 * hidden
        let scale = 1 / Float(headSize).squareRoot()
        let shared = (qkv: SharedPointer(base: queryKeyValue), context: SharedPointer(base: context))
        // Longest sequences first, so the dynamic hand-out ends with small pieces on both cores.
        let lengths: [Int] = (0..<(starts.count - 1)).map { starts[$0 + 1] - starts[$0] }
        let order: [Int] = lengths.indices.sorted { lengths[$0] > lengths[$1] }
        DispatchQueue.concurrentPerform(iterations: order.count * headCount) { item in
            let sequence = order[item / headCount]
            let head = item % headCount
            let first = starts[sequence]
            let length = lengths[sequence]
            guard length > 0 else { return }
            // Both products of a block are rows × length × headSize.
            let blockRows: Int = max(1, min(length, Self.singleThreadedProductSize / (length * headSize)))
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * (length + 1))
            defer { scores.deallocate() }
            let sums = scores + blockRows * length
            let query = shared.qkv.base + first * stride + head * headSize
            let key = query + hidden
            let value = query + 2 * hidden
            for blockStart in Swift.stride(from: 0, to: length, by: blockRows) {
                let rows = min(blockRows, length - blockStart)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(length), Int32(headSize),
                            scale, query + blockStart * stride, Int32(stride), key, Int32(stride), 0, scores, Int32(length))
                VectorMath.exponentiateRows(scores, rows: rows, columns: length, stride: length, sums: sums)
                let output = shared.context.base + (first + blockStart) * hidden + head * headSize
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(headSize), Int32(length),
                            1, scores, Int32(length), value, Int32(stride), 0, output, Int32(hidden))
                // The softmax division, on headSize outputs per query instead of length scores.
                for row in 0..<rows {
                    let inverse = 1 / sums[row]
                    for column in 0..<headSize { output[row * hidden + column] *= inverse }
                }
            }
        }
    }

    private func addAndNormalize(_ x: UnsafeMutablePointer<Float>, update: UnsafePointer<Float>, bias: [Float],
                                 norm: BertWeights.LayerNorm, rows: Int, epsilon: Float) {
        let hidden = configuration.hiddenSize
        let shared = (x: SharedPointer(base: x), update: SharedPointer(base: UnsafeMutablePointer(mutating: update)))
        bias.withUnsafeBufferPointer { b in
            norm.scale.withUnsafeBufferPointer { scale in
                norm.shift.withUnsafeBufferPointer { shift in
                    let parameters = (bias: SharedPointer(base: UnsafeMutablePointer(mutating: b.baseAddress!)),
                                      scale: SharedPointer(base: UnsafeMutablePointer(mutating: scale.baseAddress!)),
                                      shift: SharedPointer(base: UnsafeMutablePointer(mutating: shift.baseAddress!)))
                    forEachPart(of: rows, minimumPerPart: Self.minimumRowsPerPart) { part in
                        VectorMath.addAndNormalize(shared.x.base, update: shared.update.base, bias: parameters.bias.base,
                                                   rows: part, columns: hidden, scale: parameters.scale.base,
                                                   shift: parameters.shift.base, epsilon: epsilon)
                    }
                }
            }
        }
    }
}
