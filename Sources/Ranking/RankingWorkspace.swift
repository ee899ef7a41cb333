/// Scratch memory reused across batches: the similarity matrix of a batch of 256 queries against
/// 110,000 battles is 112 MB, too much to allocate and fault in per batch. Not shared between
/// threads: each caller that ranks concurrently keeps its own.
public final class RankingWorkspace {
    private var similarityBuffer = GrowingBuffer<Float>()
    private var histogramBuffer = GrowingBuffer<Double>()
    private var tallyWeightBuffer = GrowingBuffer<Double>()
    private var tallyCountBuffer = GrowingBuffer<Double>()

    public init() {}

    deinit {
        similarityBuffer.deallocate()
        histogramBuffer.deallocate()
        tallyWeightBuffer.deallocate()
        tallyCountBuffer.deallocate()
    }

    func similarities(count: Int) -> UnsafeMutableBufferPointer<Float> { similarityBuffer.atLeast(count) }

    func histograms(count: Int) -> UnsafeMutableBufferPointer<Double> { histogramBuffer.atLeast(count) }

    /// Per query, the weights of the prompts whose battles fall in several slots.
    func tallyWeights(count: Int) -> UnsafeMutableBufferPointer<Double> { tallyWeightBuffer.atLeast(count) }

    /// Per query, those prompts' weighted tallies, one column per slot they use.
    func tallyCounts(count: Int) -> UnsafeMutableBufferPointer<Double> { tallyCountBuffer.atLeast(count) }
}

/// A buffer replaced by a larger one when asked for more than it holds; its contents are not kept.
private struct GrowingBuffer<Element> {
    private var storage = UnsafeMutableBufferPointer<Element>(start: nil, count: 0)

    mutating func atLeast(_ count: Int) -> UnsafeMutableBufferPointer<Element> {
        if storage.count < count {
            storage.deallocate()
            storage = .allocate(capacity: count)
        }
        return storage
    }

    func deallocate() { storage.deallocate() }
}

/// Wall-clock time a ranker spent in each phase, summed over the batches it saw.
public final class RankingProfile: @unchecked Sendable {
    public enum Phase: String, CaseIterable, Sendable {
        case similarity, weighting, fit
    }

    public private(set) var durations: [Phase: Duration] = [:]

    public init() {}

    func add(_ phase: Phase, _ duration: Duration) {
        durations[phase, default: .zero] += duration
    }
}
