import Ranking

/// How an evaluation set's votes reach a router in a learning curve. The distinct prompts are
/// shuffled with a seed: the first `holdout` share of them is the held-out block, routed at
/// every step and never learnt from; the others arrive as votes in the shuffled order, one
/// prompt (with all the battles its answers make) a vote.
///
/// Prompts, not rows, are dealt out, so a prompt that occurs twice is held out or learnt as a
/// whole, as in `CrossValidation`.
public struct VoteArrival: Sendable {
    /// The held-out prompts.
    public let heldOut: Set<String>
    /// The other prompts, in their order of arrival.
    public let arrivals: [String]

    /// `holdout` in (0, 1); at least one prompt is held out and one arrives.
    public init(prompts: [String], holdout: Double, seed: UInt64) {
        precondition(holdout > 0 && holdout < 1, "the held-out share lies strictly between 0 and 1")
        var seen = Set<String>()
        let distinct = prompts.filter { seen.insert($0).inserted }
        precondition(distinct.count >= 2, "a learning curve needs a prompt to hold out and one to learn")
        var generator = SeededGenerator(seed: seed)
        let shuffled = distinct.shuffled(using: &generator)
        let heldOutCount = min(max(Int((holdout * Double(distinct.count)).rounded()), 1), distinct.count - 1)
        heldOut = Set(shuffled.prefix(heldOutCount))
        arrivals = Array(shuffled.dropFirst(heldOutCount))
    }

    /// The first step of every learning curve, in votes.
    public static let firstStep = 25

    /// The vote counts a learning curve is measured at: 25, 50, 100, … doubling while fewer than
    /// `votes`, and last all of them.
    public static func steps(votes: Int) -> [Int] {
        precondition(votes >= 1, "a learning curve needs a vote")
        var steps: [Int] = []
        var step = firstStep
        while step < votes {
            steps.append(step)
            step *= 2
        }
        return steps + [votes]
    }
}
