import Embeddings
import Pipeline

/// The `--embedder`, `--model-dir` and `--precision` options shared by the commands that embed
/// prompts.
extension EmbedderChoice {
    static let options: [Option] = [
        .value("embedder", "minilm|hashing", "all-MiniLM-L6-v2 (default) or feature hashing, which needs no model."),
        modelDirectoryOption,
        .value("precision", "float|int8", "MiniLM's dense layers in float32 (default) or int8 (AVX2 CPUs); int8 vectors are another embedder's."),
    ]

    static let modelDirectoryOption = Option.value(
        "model-dir", "DIR", "MiniLM folder (default: $\(ModelLocation.environmentVariable), else models/ of this repository).")

    static func parse(_ arguments: ParsedArguments) throws -> EmbedderChoice {
        let choice = EmbedderChoice(rawValue: try arguments.choice("embedder", from: allCases.map(\.rawValue)) ?? "minilm")!
        try choice.refuseMiniLMOptions(arguments)
        return choice
    }

    /// `--model-dir` and `--precision` mean nothing to the hashing embedder.
    func refuseMiniLMOptions(_ arguments: ParsedArguments) throws {
        guard self == .hashing else { return }
        for name in ["model-dir", "precision"] where arguments.string(name) != nil {
            throw UsageError("option '--\(name)' applies to --embedder minilm only")
        }
    }

    /// Loads the chosen embedder from `--model-dir` at `--precision`, or without that option at
    /// `precisionOtherwise`.
    func load(_ arguments: ParsedArguments, batchSize: Int, precisionOtherwise: EncoderPrecision = .float) throws -> any Embedder {
        let named = try arguments.choice("precision", from: EncoderPrecision.allCases.map(\.rawValue))
        return try load(modelDirectory: arguments.string("model-dir"), batchSize: batchSize,
                        precision: named.flatMap(EncoderPrecision.init(rawValue:)) ?? precisionOtherwise)
    }
}
