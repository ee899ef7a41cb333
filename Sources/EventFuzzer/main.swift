import Foundation
import Pipeline

/// libFuzzer's driver, from its runtime without `main` (ops/fuzz.sh links it): SwiftPM gives
/// every executable a Swift entry point, so this program starts the driver itself.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                             _ parse: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The loosest limits a caller can give, so no bound hides a defect behind a refusal.
private let widestLimits = QueryEvent.Limits(maxPromptBytes: .max, maxOutputTokens: .max)

/// One input: the same bytes go to the JSON parser and to the three event parsers. A refusal is
/// the expected outcome for almost every input; a crash, a hang or a broken invariant is a defect.
private func parseOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Data(bytes: $0, count: count) } ?? Data()
    _ = try? JSONValue.parse(bytes)
    _ = try? VoteEvent(bytes: bytes)
    _ = try? UsageEvent(bytes: bytes)
    if let query = try? QueryEvent(bytes: bytes, limits: widestLimits, knownModels: ["strong", "weak"]) {
        checkEnrichedCopy(of: query)
    }
    return 0
}

/// The copy of an accepted query sent to its model's topic must still be one JSON object, now
/// holding the decision under `routeledger`: workers parse it.
private func checkEnrichedCopy(of query: QueryEvent) {
    let enriched = query.enriched(with: Data(#"{"model":"strong"}"#.utf8))
    guard case .object(let fields)? = try? JSONValue.parse(enriched),
          fields[QueryEvent.decisionKey] == .object(["model": .string("strong")]) else {
        preconditionFailure("the enriched copy of an accepted query is not a JSON object with its decision")
    }
}

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv, parseOneInput))
