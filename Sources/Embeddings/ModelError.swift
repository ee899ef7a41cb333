/// Why the MiniLM model could not be loaded. Every message names the fix.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// No model folder was found; `searched` lists where the search looked, in order.
    case missing(searched: [String])
    case unreadable(file: String, reason: String)
    /// A file is there but is not what the model needs (truncated, wrong shapes, bad header).
    case corrupt(file: String, reason: String)

    static let fix = "run ops/fetch-model.sh (or pass --model-dir DIR / set ROUTELEDGER_MODEL_DIR)"

    public var description: String {
        switch self {
        case .missing(let searched):
            "the all-MiniLM-L6-v2 model was not found (looked in \(searched.joined(separator: ", "))); \(Self.fix)"
        case .unreadable(let file, let reason):
            "cannot read model file \(file): \(reason); \(Self.fix)"
        case .corrupt(let file, let reason):
            "model file \(file) is damaged: \(reason); delete it and run ops/fetch-model.sh again"
        }
    }
}
