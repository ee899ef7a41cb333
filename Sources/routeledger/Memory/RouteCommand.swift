import BattleStore
import Foundation
import Ranking

/// `routeledger route`: one routing decision per prompt read on standard input.
enum RouteCommand: Command {
    static let name = "route"
    static let summary = "decide strong or weak for each prompt on standard input (JSON lines)"
    static let discussion = """
        Reads {"prompt": …, "id": …} lines on standard input and writes one JSON line per prompt:
        {"line", "id", "model", "routed_to" (strong|weak), "strong_win_rate", "threshold"}.
        A prompt goes to the strong model when its strong win rate is at least the threshold.
        With --threshold, prompts are routed a batch at a time as they arrive. With --strong-share,
        the whole input is read first and the threshold is calibrated on it so that this share of
        it goes strong. Bad lines are reported on standard error and skipped; the exit status is 1
        only when there was input and none of it could be routed.
        """
    static let options: [Option] = [
        .value("threshold", "T", "Route strong when P(strong beats weak) ≥ T (0…1)."),
        .value("strong-share", "S", "Calibrate the threshold on the input to send this share strong (0…1)."),
        .value("batch", "N", "Prompts embedded and routed together (default 256)."),
    ] + PairRouter.options

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let threshold = try arguments.double("threshold", range: 0...1)
        let share = try arguments.double("strong-share", range: 0...1)
        guard (threshold == nil) != (share == nil) else {
            throw UsageError("give exactly one of --threshold T and --strong-share S")
        }
        let batch = try arguments.int("batch", range: 1...65_536) ?? 256
        var router = try PairRouter(arguments)
        var input = PromptLines()
        var routed = 0
        var strongCalls = 0
        func write(_ prompts: [PromptLines.Prompt], _ ratings: [TierRatings], threshold: Double) {
            for (prompt, rating) in zip(prompts, ratings) {
                let strong = router.routesStrong(rating, threshold: threshold)
                var decision: [String: Any] = [
                    "line": prompt.line,
                    "model": strong ? router.strong : router.weak,
                    "routed_to": strong ? "strong" : "weak",
                    "strong_win_rate": router.strongWinRate(rating),
                    "threshold": threshold,
                ]
                if let id = prompt.id { decision["id"] = id }
                printJSONLine(decision)
                routed += 1
                if strong { strongCalls += 1 }
            }
        }
        if let threshold {
            while true {
                let prompts = input.next(batch)
                if prompts.isEmpty { break }
                write(prompts, try router.tierRatings(prompts.map(\.text)), threshold: threshold)
                // A reader downstream sees each batch's decisions as soon as they are made.
                fflush(nil)
            }
        } else if let share {
            let prompts = input.next(Int.max)
            if !prompts.isEmpty {
                let ratings = try router.tierRatings(prompts.map(\.text))
                let calibrated = ThresholdCalibration.threshold(winRates: ratings.map(router.strongWinRate), strongShare: share)
                printStandardError("threshold \(calibrated) calibrated on \(prompts.count) prompts for a strong share of \(share)\n")
                write(prompts, ratings, threshold: calibrated)
            }
        }
        printStandardError("routed \(routed) prompts, \(strongCalls) to \(router.strong); skipped \(input.skipped) lines\n")
        return routed == 0 && input.skipped > 0 ? 1 : 0
    }
}

/// One JSON object on one line of standard output, keys sorted.
func printJSONLine(_ object: [String: Any]) {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    print(String(decoding: data, as: UTF8.self))
}
