import Embeddings
import Pipeline

/// The `--embedder` and `--model-dir` options shared by the commands that embed prompts.
extension EmbedderChoice {
    static let options: [Option] = [
        .value("embedder", "minilm|hashing", "all-MiniLM-L6-v2 (default) or feature hashing, which needs no model."),
        .value("model-dir", "DIR", "MiniLM folder (default: $\(ModelLocation.environmentVariable), else models/ of this repository)."),
    ]

    static func parse(_ arguments: ParsedArguments) throws -> EmbedderChoice {
        let choice = EmbedderChoice(rawValue: try arguments.choice("embedder", from: allCases.map(\.rawValue)) ?? "minilm")!
        if choice == .hashing, arguments.string("model-dir") != nil {
            throw UsageError("option '--model-dir' applies to --embedder minilm only")
        }
        return choice
    }

    /// Loads the chosen embedder from `--model-dir`.
    func load(_ arguments: ParsedArguments, batchSize: Int) throws -> any Embedder {
        try load(modelDirectory: arguments.string("model-dir"), batchSize: batchSize)
    }
}
