import Ranking

/// `--kernel-sharpness N|auto`, on every command that routes.
extension KernelSharpness {
    static let option = Option.value(
        "kernel-sharpness", "N|auto",
        "γ of the weights 10·10^(γ·s/max s): 0…64 (default 1, RouteLLM's), or auto: chosen by cross-validation on the memory.")

    /// The option's value; nil when it is not given.
    static func parse(_ arguments: ParsedArguments) throws -> KernelSharpness? {
        guard let text = arguments.string("kernel-sharpness") else { return nil }
        guard let sharpness = KernelSharpness(text) else {
            throw UsageError("option '--kernel-sharpness' expects a number in \(Int(range.lowerBound))...\(Int(range.upperBound)) or auto, got '\(text)'")
        }
        return sharpness
    }
}

/// Tells on standard error of a sharpness `auto` chose on a memory, and what the choice rests on.
func printSharpnessChoice(_ selection: SharpnessSelection?) {
    if let selection { printStandardError("kernel sharpness chosen on the memory: \(selection.summary)\n") }
}
