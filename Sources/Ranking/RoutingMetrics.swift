/// Routing quality as the RouteLLM paper measures it, between one strong and one weak model on
/// an evaluation set where each query has both models' quality (a score, or 1/0 for correct).
///
/// - PGR (performance gap recovered) at a strong-call share: (quality − weak) / (strong − weak).
/// - APGR: PGR averaged over the sweep of shares, in two forms that are both published: the
///   paper's mean at 10 %, 20 %, …, 100 % and RouteLLM's trapezoid over 0 %, 10 %, …, 100 %.
/// - CPT(x): the least strong-call share at which PGR reaches x.
public struct RoutingEvaluation: Sendable {
    /// The router's score per query: higher means the strong model is more needed.
    public let scores: [Double]
    public let strongQuality: [Double]
    public let weakQuality: [Double]

    public init(scores: [Double], strongQuality: [Double], weakQuality: [Double]) {
        precondition(!scores.isEmpty, "an evaluation needs queries")
        precondition(scores.count == strongQuality.count && scores.count == weakQuality.count,
                     "one score and two qualities per query")
        self.scores = scores
        self.strongQuality = strongQuality
        self.weakQuality = weakQuality
    }

    public var strongOnlyQuality: Double { mean(strongQuality) }
    public var weakOnlyQuality: Double { mean(weakQuality) }

    public func pgr(quality: Double) -> Double {
        let gap = strongOnlyQuality - weakOnlyQuality
        return gap == 0 ? 0 : (quality - weakOnlyQuality) / gap
    }

    /// Quality and actual strong share when the threshold is calibrated on these scores for the
    /// target share, as RouteLLM does (queries tied at the threshold all go strong).
    public func calibratedPoint(strongShare: Double) -> CurvePoint {
        let threshold = ThresholdCalibration.threshold(winRates: scores, strongShare: strongShare)
        var total = 0.0
        var strongCalls = 0
        for i in scores.indices {
            if scores[i] >= threshold {
                total += strongQuality[i]
                strongCalls += 1
            } else {
                total += weakQuality[i]
            }
        }
        let count = Double(scores.count)
        return CurvePoint(strongShare: Double(strongCalls) / count, quality: total / count)
    }

    public func pgr(atStrongShare share: Double) -> Double {
        pgr(quality: calibratedPoint(strongShare: share).quality)
    }

    /// The paper's APGR: mean PGR at strong shares 10 %, 20 %, …, 100 %.
    public var apgr: Double {
        (1...10).map { pgr(atStrongShare: Double($0) / 10) }.reduce(0, +) / 10
    }

    /// RouteLLM's APGR: trapezoid rule over PGR at 0 %, 10 %, …, 100 %.
    public var apgrTrapezoid: Double {
        let values = (0...10).map { pgr(atStrongShare: Double($0) / 10) }
        return zip(values, values.dropFirst()).map { ($0 + $1) / 2 * 0.1 }.reduce(0, +)
    }

    /// Every operating point the scores allow: the k highest-scoring queries go strong, for each
    /// k where the score changes (tied queries cannot be separated), from none to all.
    public var curve: [CurvePoint] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let count = Double(scores.count)
        var quality = weakQuality.reduce(0, +)
        var points = [CurvePoint(strongShare: 0, quality: quality / count)]
        for (position, query) in order.enumerated() {
            quality += strongQuality[query] - weakQuality[query]
            let last = position == order.count - 1
            if last || scores[order[position + 1]] != scores[query] {
                points.append(CurvePoint(strongShare: Double(position + 1) / count, quality: quality / count))
            }
        }
        return points
    }

    /// CPT(x): the least strong share on the actual curve whose PGR is ≥ x (x = 0.5 for 50 %).
    /// The curve need not be monotone, so every point is examined. Nil if no point reaches x.
    public func costToReach(pgr target: Double) -> Double? {
        curve.first { pgr(quality: $0.quality) >= target - 1e-12 }?.strongShare
    }
}

public struct CurvePoint: Sendable, Equatable {
    public let strongShare: Double
    public let quality: Double
}

func mean(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
}
