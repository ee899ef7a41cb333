import BattleStore
import Foundation
import Ranking

/// `routeledger calibrate`: the threshold that sends a chosen share of a sample of prompts to
/// the strong model.
enum CalibrateCommand: Command {
    static let name = "calibrate"
    static let summary = "print the threshold that sends a share of the prompts on standard input strong"
    static let discussion = """
        Reads {"prompt": …} lines on standard input (a sample of the traffic to be routed), computes
        each prompt's strong win rate and prints the threshold — RouteLLM's (1 − S)-quantile of the
        win rates — that sends the share S of them to the strong model, with the share it actually
        sends (prompts tied at the threshold all go strong).
        """
    static let options: [Option] = [
        .value("strong-share", "S", "Share of prompts to send to the strong model (0…1)."),
        .flag("json", "Print one JSON object."),
    ] + PairRouter.options

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        guard let share = try arguments.double("strong-share", range: 0...1) else {
            throw UsageError("option '--strong-share' is required")
        }
        var router = try PairRouter(arguments)
        var input = PromptLines()
        let prompts = input.next(Int.max)
        guard !prompts.isEmpty else {
            throw CommandFailure("no prompt on standard input to calibrate on (\(input.skipped) lines skipped)")
        }
        let winRates = try router.tierRatings(prompts.map(\.text)).map(router.strongWinRate)
        let threshold = ThresholdCalibration.threshold(winRates: winRates, strongShare: share)
        printFigures([
            ("threshold", threshold),
            ("strong_share_target", share),
            ("strong_share", ThresholdCalibration.strongShare(winRates: winRates, threshold: threshold)),
            ("prompts", prompts.count),
            ("lines_skipped", input.skipped),
            ("strong", router.strong),
            ("weak", router.weak),
        ], json: arguments.flag("json"))
        return 0
    }
}
