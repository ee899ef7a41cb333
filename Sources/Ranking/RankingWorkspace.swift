/// Scratch memory reused across batches: the similarity matrix of a batch of 256 queries against
/// 110,000 battles is 112 MB, too much to allocate and fault in per batch. Not shared between
/// threads: each caller that ranks concurrently keeps its own.
public final class RankingWorkspace {
    private var similarityBuffer = UnsafeMutableBufferPointer<Float>(start: nil, count: 0)
    private var histogramBuffer = UnsafeMutableBufferPointer<Double>(start: nil, count: 0)

    public init() {}

    deinit {
        similarityBuffer.deallocate()
        histogramBuffer.deallocate()
    }

    func similarities(count: Int) -> UnsafeMutableBufferPointer<Float> {
        if similarityBuffer.count < count {
            similarityBuffer.deallocate()
            similarityBuffer = .allocate(capacity: count)
        }
        return similarityBuffer
    }

    func histograms(count: Int) -> UnsafeMutableBufferPointer<Double> {
        if histogramBuffer.count < count {
            histogramBuffer.deallocate()
            histogramBuffer = .allocate(capacity: count)
        }
        return histogramBuffer
    }
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
