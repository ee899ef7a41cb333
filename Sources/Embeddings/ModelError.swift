/// Why the MiniLM model could not be loaded. Every message names the fix.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// No model folder was found; `searched` lists where the search looked, in order.
    case missing(searched: [String])
    /// The file or folder is there, but this process may not read it (or enter a folder on its way).
    case permissionDenied(path: String)
    /// The model directory names something that is not a folder.
    case notADirectory(path: String)
    case unreadable(file: String, reason: String)
    /// A file is there but is not what the model needs (truncated, wrong shapes, bad header).
    case corrupt(file: String, reason: String)
    /// This machine cannot run what was asked of the model; the reason names the alternative.
    case unsupported(String)

    static let fix = "run ops/fetch-model.sh (or pass --model-dir DIR / set ROUTELEDGER_MODEL_DIR)"

    public var description: String {
        switch self {
        case .missing(let searched):
            "the all-MiniLM-L6-v2 model was not found (looked in \(searched.joined(separator: ", "))); \(Self.fix)"
        case .permissionDenied(let path):
            "permission denied reading \(path): let the user running routeledger read the model files and enter their folders "
                + "(the files are there; fetching them again would not help)"
        case .notADirectory(let path):
            "\(path) is not a folder: give the folder that holds the all-MiniLM-L6-v2 files (--model-dir DIR or ROUTELEDGER_MODEL_DIR)"
        case .unreadable(let file, let reason):
            "cannot read model file \(file): \(reason); \(Self.fix)"
        case .corrupt(let file, let reason):
            "model file \(file) is damaged: \(reason); delete it and run ops/fetch-model.sh again"
        case .unsupported(let reason):
            reason
        }
    }
}
