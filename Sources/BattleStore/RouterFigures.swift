import Ranking

/// What an evaluation reports for one router, in the paper's terms: APGR (both published
/// definitions), CPT(50 %) and CPT(80 %), PGR at a few strong-call shares, and the
/// quality-versus-strong-share curve. Shares are fractions in 0...1.
public struct RouterFigures: Sendable {
    public static let reportedShares = [0.2, 0.5, 0.8]

    public let apgr: Double
    public let apgrTrapezoid: Double
    /// Nil when no operating point reaches the target.
    public let cpt50: Double?
    public let cpt80: Double?
    /// PGR at each of `reportedShares`.
    public let pgr: [Double]
    public let curve: [QualityPoint]
    /// RouterBench's AIQ over the curve: the mean, over every budget from weak-only to
    /// strong-only, of the best quality a mix of operating points buys. Between two models whose
    /// queries cost the same tokens, a policy's cost normalised between the two is its strong
    /// share, whatever the prices.
    public var aiq: Double {
        AIQ.area(of: curve.map { AIQ.Point(cost: $0.strongShare, quality: $0.quality) }, cheapest: 0, dearest: 1)
    }

    /// The figures of a router that ranks queries by score (the SW router).
    public init(_ evaluation: RoutingEvaluation) {
        apgr = evaluation.apgr
        apgrTrapezoid = evaluation.apgrTrapezoid
        cpt50 = evaluation.costToReach(pgr: 0.5)
        cpt80 = evaluation.costToReach(pgr: 0.8)
        pgr = Self.reportedShares.map { evaluation.pgr(atStrongShare: $0) }
        curve = evaluation.curve.map { QualityPoint(strongShare: $0.strongShare, quality: $0.quality) }
    }

    /// The random router's expected figures, exactly: sending a random share s of the queries to
    /// the strong model recovers, in expectation, the share s of the gap, so its curve is the
    /// straight line from weak-only to strong-only quality. APGR is then the mean of 0.1 … 1.0
    /// (0.55) or the trapezoid over 0 … 1 (0.5), and CPT(x) = x.
    public static func randomExpectation(strongOnly: Double, weakOnly: Double) -> RouterFigures {
        let shares = (1...10).map { Double($0) / 10 }
        let hasGap = strongOnly != weakOnly
        return RouterFigures(apgr: hasGap ? shares.reduce(0, +) / 10 : 0, apgrTrapezoid: hasGap ? 0.5 : 0,
                             cpt50: hasGap ? 0.5 : nil, cpt80: hasGap ? 0.8 : nil,
                             pgr: reportedShares.map { hasGap ? $0 : 0 },
                             curve: [QualityPoint(strongShare: 0, quality: weakOnly), QualityPoint(strongShare: 1, quality: strongOnly)])
    }

    private init(apgr: Double, apgrTrapezoid: Double, cpt50: Double?, cpt80: Double?, pgr: [Double], curve: [QualityPoint]) {
        self.apgr = apgr
        self.apgrTrapezoid = apgrTrapezoid
        self.cpt50 = cpt50
        self.cpt80 = cpt80
        self.pgr = pgr
        self.curve = curve
    }
}

/// One operating point of a router: the share of queries sent to the strong model and the mean
/// quality of the answers.
public struct QualityPoint: Sendable, Equatable {
    public let strongShare: Double
    public let quality: Double

    public init(strongShare: Double, quality: Double) {
        self.strongShare = strongShare
        self.quality = quality
    }
}
