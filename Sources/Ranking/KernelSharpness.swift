/// The sharpness γ of the SW router's similarity kernel `w = 10 · 10^(γ · s / max s)`: a fixed
/// number, or chosen by cross-validation on the memory (`auto`).
public enum KernelSharpness: Sendable, Equatable, CustomStringConvertible {
    case fixed(Double)
    case auto

    /// RouteLLM's kernel.
    public static let routeLLM = KernelSharpness.fixed(1)
    /// The sharpness the kernel accepts: 0 (every battle the same) to 64 (the nearest prompts
    /// 10^64 times an orthogonal one), within which the weights stay exact (`similarityWeight`).
    public static let range: ClosedRange<Double> = 0...64

    /// `auto`, or a number in `range`; nil for anything else.
    public init?(_ text: String) {
        if text == "auto" {
            self = .auto
        } else if let value = Double(text), Self.range.contains(value) {
            self = .fixed(value)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .fixed(let value): value == value.rounded() ? String(Int(value)) : String(value)
        }
    }
}
