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

    /// The γ to rank a memory with: the fixed one; with `auto`, `stored` (what a selection on
    /// this memory chose before: a ratings version's, a memory directory's), or else the choice
    /// of `select`, made now and returned so the caller can tell of it.
    public func resolved(stored: Double?, select: () -> SharpnessSelection) -> (sharpness: Double, selectedNow: SharpnessSelection?) {
        switch self {
        case .fixed(let value): return (value, nil)
        case .auto:
            if let stored { return (stored, nil) }
            let selection = select()
            return (selection.chosen, selection)
        }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .fixed(let value): value == value.rounded() ? String(Int(value)) : String(value)
        }
    }
}
