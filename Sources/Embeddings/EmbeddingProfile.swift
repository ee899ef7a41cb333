/// Wall-clock time an embedder spent in each phase, summed over the calls it saw; for the
/// benchmark's account of where the time goes. Not shared between threads.
public final class EmbeddingProfile: @unchecked Sendable {
    public enum Phase: String, CaseIterable, Sendable {
        /// Text to word-piece ids.
        case tokenizer
        /// Word and position embedding lookup and its layer norm.
        case embeddingLookup = "embedding_lookup"
        /// The dense matrix products: query/key/value, attention output, feed-forward in and out.
        case gemm
        /// Scores, softmax and the weighted sum of values, per sequence and head.
        case attention
        case gelu
        /// Residual additions and layer norms after attention and feed-forward.
        case layerNorm = "layer_norm"
        /// Mean over each text's tokens and L2 normalisation.
        case pooling
        /// Feature hashing (the hashing embedder's only phase).
        case hashing
    }

    public private(set) var durations: [Phase: Duration] = [:]
    /// Model arithmetic done (multiply and add counted as two), for the GFLOP/s figure.
    public private(set) var floatingPointOperations: Double = 0

    public init() {}

    func add(_ phase: Phase, _ duration: Duration) {
        durations[phase, default: .zero] += duration
    }

    func addOperations(_ count: Double) {
        floatingPointOperations += count
    }

    /// Runs `body`, charging its time to `phase`.
    @inline(__always)
    static func measure<T>(_ profile: EmbeddingProfile?, _ phase: Phase, _ body: () throws -> T) rethrows -> T {
        guard let profile else { return try body() }
        let clock = ContinuousClock()
        let started = clock.now
        defer { profile.add(phase, clock.now - started) }
        return try body()
    }
}
