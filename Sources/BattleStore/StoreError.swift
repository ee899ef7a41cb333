import Foundation

/// Why a memory directory could not be opened, read or appended to. Every message names the
/// directory or file concerned.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAMemory(String)
    case occupied(directory: String, example: String)
    case damaged(String)
    case embedderMismatch(directory: String, stored: String, given: String)
    case dimensionMismatch(directory: String, stored: Int, given: Int)
    case badBattle(index: Int, reason: String)
    case system(String, Int32)

    public var description: String {
        switch self {
        case .notAMemory(let path):
            "\(path) is not a battle memory (no manifest.json); import battles into it first"
        case .occupied(let directory, let example):
            "\(directory) is not a battle memory but holds other files (such as \(example)); use a new or empty directory"
        case .damaged(let reason):
            "battle memory damaged: \(reason)"
        case .embedderMismatch(let directory, let stored, let given):
            "\(directory) holds embeddings from \(stored), not \(given); a memory never mixes embedders (use --embedder to match it, or another directory)"
        case .dimensionMismatch(let directory, let stored, let given):
            "\(directory) holds \(stored)-dimensional embeddings, these have \(given)"
        case .badBattle(let index, let reason):
            "battle \(index + 1) of the append: \(reason)"
        case .system(let operation, let code):
            "\(operation): \(String(cString: strerror(code)))"
        }
    }
}
