import BattleStore
import Embeddings
import Pipeline

extension EmbedderChoice {
    /// `--embedder`, `--model-dir` and `--precision` for the commands that work on a memory,
    /// where the default is the memory's own embedder.
    static let memoryOptions: [Option] = [
        .value("embedder", allCases.map(\.rawValue).joined(separator: "|"),
               "Embedder for prompts (default: the one the memory was built with; minilm for a new memory)."),
        modelDirectoryOption,
        .value("precision", "float|int8",
               "MiniLM's dense layers (default: the memory's precision; float for a new memory). int8 needs AVX2."),
    ]

    /// The embedder `--embedder` names; without it, the kind that built the memory (`memory`,
    /// its embedder's identity; MiniLM when there is no memory yet), at the memory's precision
    /// unless `--precision` says otherwise.
    static func load(_ arguments: ParsedArguments, forMemory memory: EmbedderIdentity?) throws -> any Embedder {
        guard arguments.string("embedder") == nil, let memory else {
            return try parse(arguments).load(arguments, batchSize: 32)
        }
        guard let stored = EmbedderChoice(identity: memory) else {
            throw CommandFailure("the memory was built with \(memory), which this tool cannot run")
        }
        try stored.refuseMiniLMOptions(arguments)
        return try stored.load(arguments, batchSize: 32, precisionOtherwise: MiniLMEmbedder.precision(of: memory))
    }
}
