import BattleStore
import Embeddings
import Pipeline

extension EmbedderChoice {
    /// `--embedder` and `--model-dir` for the commands that work on a memory, where the default
    /// is the memory's own embedder.
    static let memoryOptions: [Option] = [
        .value("embedder", allCases.map(\.rawValue).joined(separator: "|"),
               "Embedder for prompts (default: the one the memory was built with; minilm for a new memory)."),
        .value("model-dir", "DIR", "MiniLM folder (default: $\(ModelLocation.environmentVariable), else models/ of this repository)."),
    ]

    /// The embedder `--embedder` names; without it, the kind that built the memory (`memory`,
    /// its embedder's identity; MiniLM when there is no memory yet).
    static func load(_ arguments: ParsedArguments, forMemory memory: EmbedderIdentity?) throws -> any Embedder {
        guard arguments.string("embedder") == nil, let memory else {
            return try parse(arguments).load(arguments, batchSize: 32)
        }
        guard let stored = EmbedderChoice(identity: memory) else {
            throw CommandFailure("the memory was built with \(memory), which this tool cannot run")
        }
        if stored == .hashing, arguments.string("model-dir") != nil {
            throw UsageError("option '--model-dir' applies to --embedder minilm only")
        }
        return try stored.load(arguments, batchSize: 32)
    }
}
