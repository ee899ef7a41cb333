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
    ///
    /// Runs once per query on the router's path, so it allocates nothing but its answer: the
    /// pairs that played and every vector and matrix of Newton's method live in one scratch
    /// buffer on the stack, and one exponential per pair serves the objective, the gradient and
    /// the Hessian at each point tried.
    static func fitLogStrengths(_ counts: PairwiseCounts, start: [Double]? = nil) -> [Double] {
        let k = counts.playerCount
        precondition(start == nil || start!.count == k, "one starting log-strength per player")
        let total = counts.totalWeight
        guard total > 0, total.isFinite else { return [Double](repeating: 0, count: k) }
        var pairCount = 0
        for i in 0..<k {
            for j in (i + 1)..<k where counts.wins[i * k + j] + counts.wins[j * k + i] > 0 { pairCount += 1 }
        }
        var z = start ?? [Double](repeating: 0, count: k)
        let layout = FitScratch.Layout(players: k, pairs: pairCount)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: layout.doubles) { buffer in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * pairCount) { pairPlayers in
                let scratch = FitScratch(layout, buffer: buffer.baseAddress!, pairPlayers: pairPlayers.baseAddress!)
                scratch.load(counts, ridge: relativeRidge * total)
                z.withUnsafeMutableBufferPointer { newton(scratch, z: $0.baseAddress!) }
            }
        }
        return z
    }

    /// Newton's method with a backtracking (Armijo) line search, from `z` in place.
    private static func newton(_ scratch: FitScratch, z: UnsafeMutablePointer<Double>) {
        let k = scratch.layout.players
        var (gradient, hessian) = (scratch.gradient, scratch.hessian)
        var (candidateGradient, candidateHessian) = (scratch.candidateGradient, scratch.candidateHessian)
        let (step, candidate) = (scratch.step, scratch.candidate)
        var value = scratch.evaluate(at: z, gradient: gradient, hessian: hessian)
        for _ in 0..<maximumIterations {
            guard scratch.solve(hessian, gradient, into: step) else { break }
            var slope = 0.0
            var largestStep = 0.0
            for i in 0..<k {
                step[i] = -step[i]
                slope += gradient[i] * step[i]
                largestStep = max(largestStep, abs(step[i]))
            }
            // Near the answer a step promises a decrease (−slope / 2) far below one rounding of
            // the value: steps of about 1e-10 that are rounding noise and never settle below the
            // tolerance. Such a step is taken without a line search, and the fit is done.
            if largestStep < roundingFloorStep && -slope <= resolvableDecrease * abs(value) {
                for i in 0..<k { z[i] += step[i] }
                return
            }
            // Near the optimum rounding can make the full step look no better, which the
            // tolerance on the value absorbs.
            var length = 1.0
            var candidateValue: Double
            while true {
                for i in 0..<k { candidate[i] = z[i] + length * step[i] }
                candidateValue = scratch.evaluate(at: candidate, gradient: candidateGradient, hessian: candidateHessian)
                if candidateValue <= value + 1e-4 * length * slope + 1e-14 * abs(value) { break }
                length /= 2
                if length < 1e-12 { return }
            }
            z.update(from: candidate, count: k)
            value = candidateValue
            swap(&gradient, &candidateGradient)
            swap(&hessian, &candidateHessian)
            if largestStep * length < stepTolerance { return }
        }
    }

    /// H x = b through the Cholesky factor L (written to `factor`, with the reciprocals of its
    /// diagonal in place of the diagonal: one division per row instead of one per element);
    /// false when H is not positive definite.
    static func choleskySolve(_ matrix: UnsafePointer<Double>, _ rhs: UnsafePointer<Double>, size n: Int,
                              factor l: UnsafeMutablePointer<Double>, into x: UnsafeMutablePointer<Double>) -> Bool {
        for i in 0..<n {
            for j in 0..<i {
                var sum = matrix[i * n + j]
                for p in 0..<j { sum -= l[i * n + p] * l[j * n + p] }
                l[i * n + j] = sum * l[j * n + j]
            }
            var diagonal = matrix[i * n + i]
            for p in 0..<i { diagonal -= l[i * n + p] * l[i * n + p] }
            guard diagonal > 0, diagonal.isFinite else { return false }
            l[i * n + i] = 1 / diagonal.squareRoot()
        }
        for i in 0..<n {
            var sum = rhs[i]
            for p in 0..<i { sum -= l[i * n + p] * x[p] }
            x[i] = sum * l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[i]
            for p in (i + 1)..<n { sum -= l[p * n + i] * x[p] }
            x[i] = sum * l[i * n + i]
        }
        return true
    }
}

/// Everything one fit works in, carved from one buffer: the pairs that played (their players,
/// i's wins, games), the self rows, and Newton's vectors and matrices.
private struct FitScratch {
    struct Layout {
        let players: Int
        let pairs: Int
        /// pair wins and games, self rows (labelled one, total), then gradient, candidate
        /// gradient, step, candidate (players each) and hessian, candidate hessian, factor
        /// (players² each), then the ridge.
        var doubles: Int { 2 * pairs + 2 * players + 4 * players + 3 * players * players + 1 }
    }

    let layout: Layout
    let pairPlayers: UnsafeMutablePointer<Int32>
    let pairWins: UnsafeMutablePointer<Double>
    let pairGames: UnsafeMutablePointer<Double>
    let selfLabelledZero: UnsafeMutablePointer<Double>
    let selfRows: UnsafeMutablePointer<Double>
    let gradient: UnsafeMutablePointer<Double>
    let candidateGradient: UnsafeMutablePointer<Double>
    let step: UnsafeMutablePointer<Double>
    let candidate: UnsafeMutablePointer<Double>
    let hessian: UnsafeMutablePointer<Double>
    let candidateHessian: UnsafeMutablePointer<Double>
    let factor: UnsafeMutablePointer<Double>
    let ridge: UnsafeMutablePointer<Double>

    init(_ layout: Layout, buffer: UnsafeMutablePointer<Double>, pairPlayers: UnsafeMutablePointer<Int32>) {
        self.layout = layout
        self.pairPlayers = pairPlayers
        let (k, pairs) = (layout.players, layout.pairs)
        pairWins = buffer
        pairGames = pairWins + pairs
        selfLabelledZero = pairGames + pairs
        selfRows = selfLabelledZero + k
        gradient = selfRows + k
        candidateGradient = gradient + k
        step = candidateGradient + k
        candidate = step + k
        hessian = candidate + k
        candidateHessian = hessian + k * k
        factor = candidateHessian + k * k
        ridge = factor + k * k
    }

    func load(_ counts: PairwiseCounts, ridge: Double) {
        let k = layout.players
        var pair = 0
        for i in 0..<k {
            for j in (i + 1)..<k {
                let games = counts.wins[i * k + j] + counts.wins[j * k + i]
                guard games > 0 else { continue }
                pairPlayers[2 * pair] = Int32(i)
                pairPlayers[2 * pair + 1] = Int32(j)
                pairWins[pair] = counts.wins[i * k + j]
                pairGames[pair] = games
                pair += 1
            }
            selfLabelledZero[i] = counts.selfRowsLabelledZero[i]
            selfRows[i] = counts.selfRowsLabelledOne[i] + counts.selfRowsLabelledZero[i]
        }
        self.ridge.pointee = ridge
    }

    /// The negative log-likelihood plus the ridge at `z`, its gradient and its Hessian.
    ///
    /// A pair (i, j) with d = z_i − z_j adds wins_ij · softplus(−d) + wins_ji · softplus(d)
    /// = games · softplus(−d) + wins_ji · d to the value, and games · σ(d) − wins_ij and
    /// games · σ(d)(1 − σ(d)) to the derivatives, all from e = exp(−|d|). A self row (x = −ln 10
    /// in its player's column, logit −z) adds the same with d = −z and wins_ij its label-1 weight.
    func evaluate(at z: UnsafeMutablePointer<Double>, gradient: UnsafeMutablePointer<Double>,
                  hessian: UnsafeMutablePointer<Double>) -> Double {
        let k = layout.players
        let ridge = self.ridge.pointee
        var value = 0.0
        for i in 0..<k {
            gradient[i] = ridge * z[i]
            value += 0.5 * ridge * z[i] * z[i]
        }
        hessian.update(repeating: 0, count: k * k)
        for i in 0..<k { hessian[i * k + i] = ridge }
        for pair in 0..<layout.pairs {
            let (i, j) = (Int(pairPlayers[2 * pair]), Int(pairPlayers[2 * pair + 1]))
            let games = pairGames[pair]
            let d = z[i] - z[j]
            let (p, softplusOfMinusD) = logistic(d)
            value += games * softplusOfMinusD + (games - pairWins[pair]) * d
            let slope = games * p - pairWins[pair]
            let curvature = games * p * (1 - p)
            gradient[i] += slope
            gradient[j] -= slope
            hessian[i * k + i] += curvature
            hessian[j * k + j] += curvature
            hessian[i * k + j] -= curvature
            hessian[j * k + i] -= curvature
        }
        for i in 0..<k where selfRows[i] > 0 {
            // Logit −z_i, label 1 for the labelled-one rows: softplus(z_i) for those, softplus(−z_i) for the others.
            let (p, softplusOfMinusZ) = logistic(z[i])
            value += selfRows[i] * softplusOfMinusZ + (selfRows[i] - selfLabelledZero[i]) * z[i]
            gradient[i] += selfRows[i] * p - selfLabelledZero[i]
            hessian[i * k + i] += selfRows[i] * p * (1 - p)
        }
        return value
    }

    func solve(_ hessian: UnsafeMutablePointer<Double>, _ gradient: UnsafeMutablePointer<Double>,
               into x: UnsafeMutablePointer<Double>) -> Bool {
        BradleyTerry.choleskySolve(hessian, gradient, size: layout.players, factor: factor, into: x)
    }
}

/// σ(x) and softplus(−x) = log(1 + e^−x), from one exponential and without overflow.
@inline(__always)
private func logistic(_ x: Double) -> (sigmoid: Double, softplusOfMinus: Double) {
    let e = exp(-abs(x))
    let sigmoid = x >= 0 ? 1 / (1 + e) : e / (1 + e)
    return (sigmoid, max(-x, 0) + log1p(e))
}
