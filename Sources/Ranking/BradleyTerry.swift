import Foundation

/// The weighted Bradley–Terry maximum-likelihood fit of RouteLLM's `compute_elo_mle_with_tie`:
/// a logistic regression without intercept or penalty, one coefficient per player, column of
/// `model_a` +ln 10 and of `model_b` −ln 10, so P(i beats j) = 1 / (1 + 10^((R_j − R_i)/400))
/// with R = 400·coef + 1000.
///
/// The regression is solved from `PairwiseCounts` by Newton's method on the log-strengths
/// z = ln 10 · coef. The likelihood is strictly concave only when every player's wins and losses
/// are mixed; for the cases where it is not (a player without battles, one-sided results,
/// separated groups) the objective carries a ridge of 1e-10 × the total weight. That moves a
/// well-posed answer by about 1e-10 of a rating point, gives every degenerate input one finite
/// answer (no battles: 1000; always winning: thousands of points above, never infinite), and
/// pins the otherwise free additive constant of each connected group of players to a mean
/// coefficient of 0 — the point scikit-learn's solver reaches from its zero start.
public enum BradleyTerry {
    public static let scale = 400.0
    public static let base = 10.0
    public static let initialRating = 1000.0

    static let relativeRidge = 1e-10
    static let maximumIterations = 100
    /// Newton stops when no log-strength moves by more than this (≈ 2e-8 rating points), or
    /// after a step below `roundingFloorStep` that would lower the objective by less than
    /// `resolvableDecrease` of its value.
    static let stepTolerance = 1e-10
    static let roundingFloorStep = 1e-8
    static let resolvableDecrease = 1e-18

    /// Elo-scale ratings, one per player. `start` (log-strengths, one per player) is where
    /// Newton's method sets out from: the answer is the same from anywhere, but from near it in
    /// fewer steps.
    public static func fitRatings(_ counts: PairwiseCounts, start: [Double]? = nil) -> [Double] {
        let ln10 = log(base)
        return fitLogStrengths(counts, start: start).map { scale * $0 / ln10 + initialRating }
    }

    /// P(a beats b) for two Elo-scale ratings.
    public static func winProbability(_ ratingA: Double, over ratingB: Double) -> Double {
        1 / (1 + pow(base, (ratingB - ratingA) / scale))
    }

    /// The maximiser of the (ridged) log-likelihood in log-strength units.
    static func fitLogStrengths(_ counts: PairwiseCounts, start: [Double]? = nil) -> [Double] {
        let k = counts.playerCount
        precondition(start == nil || start!.count == k, "one starting log-strength per player")
        let total = counts.totalWeight
        guard total > 0, total.isFinite else { return [Double](repeating: 0, count: k) }
        var z = start ?? [Double](repeating: 0, count: k)
        let ridge = relativeRidge * total
        var value = objective(counts, z, ridge: ridge)
        var gradient = [Double](repeating: 0, count: k)
        var hessian = [Double](repeating: 0, count: k * k)
        for _ in 0..<maximumIterations {
            derivatives(counts, z, ridge: ridge, gradient: &gradient, hessian: &hessian)
            guard var step = choleskySolve(hessian, gradient, size: k) else { break }
            for i in 0..<k { step[i] = -step[i] }
            let slope = zip(gradient, step).reduce(0) { $0 + $1.0 * $1.1 }
            // Near the answer a step promises a decrease (−slope / 2) far below one rounding of
            // the value: steps of about 1e-10 that are rounding noise and never settle below the
            // tolerance. Such a step is taken without a line search, and the fit is done.
            if step.reduce(0, { max($0, abs($1)) }) < roundingFloorStep && -slope <= resolvableDecrease * abs(value) {
                for i in 0..<k { z[i] += step[i] }
                break
            }
            // Backtracking line search (Armijo); near the optimum rounding can make the full
            // step look no better, which the tolerance on the value absorbs.
            var length = 1.0
            var candidate = z
            var candidateValue = value
            while true {
                for i in 0..<k { candidate[i] = z[i] + length * step[i] }
                candidateValue = objective(counts, candidate, ridge: ridge)
                if candidateValue <= value + 1e-4 * length * slope + 1e-14 * abs(value) { break }
                length /= 2
                if length < 1e-12 { return z }
            }
            let largestMove = step.reduce(0) { max($0, abs($1)) } * length
            z = candidate
            value = candidateValue
            if largestMove < stepTolerance { break }
        }
        return z
    }

    /// Negative log-likelihood plus the ridge.
    static func objective(_ counts: PairwiseCounts, _ z: [Double], ridge: Double) -> Double {
        let k = counts.playerCount
        var sum = 0.0
        for i in 0..<k {
            for j in 0..<k where j != i {
                let w = counts.wins[i * k + j]
                if w > 0 { sum += w * softplus(z[j] - z[i]) }
            }
            // Same-player rows: x = −ln 10 in column i, so the logit is −z[i].
            sum += counts.selfRowsLabelledOne[i] * softplus(z[i])
            sum += counts.selfRowsLabelledZero[i] * softplus(-z[i])
            sum += 0.5 * ridge * z[i] * z[i]
        }
        return sum
    }

    static func derivatives(_ counts: PairwiseCounts, _ z: [Double], ridge: Double,
                            gradient: inout [Double], hessian: inout [Double]) {
        let k = counts.playerCount
        for i in 0..<k {
            gradient[i] = ridge * z[i]
            for j in 0..<k { hessian[i * k + j] = i == j ? ridge : 0 }
        }
        for i in 0..<k {
            for j in (i + 1)..<k {
                let winsIJ = counts.wins[i * k + j]
                let games = winsIJ + counts.wins[j * k + i]
                guard games > 0 else { continue }
                let p = sigmoid(z[i] - z[j])
                let slope = games * p - winsIJ
                let curvature = games * p * (1 - p)
                gradient[i] += slope
                gradient[j] -= slope
                hessian[i * k + i] += curvature
                hessian[j * k + j] += curvature
                hessian[i * k + j] -= curvature
                hessian[j * k + i] -= curvature
            }
            let labelledOne = counts.selfRowsLabelledOne[i]
            let labelledZero = counts.selfRowsLabelledZero[i]
            let selfRows = labelledOne + labelledZero
            if selfRows > 0 {
                let p = sigmoid(z[i])
                gradient[i] += selfRows * p - labelledZero
                hessian[i * k + i] += selfRows * p * (1 - p)
            }
        }
    }

    /// Solves H x = b for a symmetric positive definite H (row-major, size × size).
    static func choleskySolve(_ matrix: [Double], _ rhs: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = matrix[i * n + j]
                for p in 0..<j { sum -= l[i * n + p] * l[j * n + p] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var x = rhs
        for i in 0..<n {
            var sum = x[i]
            for p in 0..<i { sum -= l[i * n + p] * x[p] }
            x[i] = sum / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[i]
            for p in (i + 1)..<n { sum -= l[p * n + i] * x[p] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }
}

func sigmoid(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
}

/// log(1 + e^x) without overflow.
func softplus(_ x: Double) -> Double {
    max(x, 0) + log1p(exp(-abs(x)))
}

