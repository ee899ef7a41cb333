import Foundation

/// Optional ageing of battles: a battle's similarity weight is multiplied by
/// 0.5^(age / half-life), so preferences drift toward recent votes. Off by default. A battle
/// whose time is unknown (NaN) keeps its full weight, as does one from the future.
public struct TimeDecay: Sendable, Equatable {
    public let halfLifeSeconds: Double
    /// The moment ages are measured from, seconds since 1970.
    public let now: Double

    public init(halfLifeSeconds: Double, now: Double) {
        precondition(halfLifeSeconds > 0 && halfLifeSeconds.isFinite, "a half-life is a positive number of seconds")
        self.halfLifeSeconds = halfLifeSeconds
        self.now = now
    }

    public func factor(battleTime: Double) -> Float {
        guard battleTime.isFinite else { return 1 }
        return Float(pow(0.5, max(0, now - battleTime) / halfLifeSeconds))
    }
}
