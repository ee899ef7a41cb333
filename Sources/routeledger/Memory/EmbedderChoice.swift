import BattleStore
import Embeddings

/// `--embedder hashing|minilm` and `--model-dir DIR`, shared by every command that embeds.
enum EmbedderChoice: String, CaseIterable {
    case minilm

    static let options: [Option] = [
        .value("embedder", allCases.map(\.rawValue).joined(separator: "|"),
               "Embedder for prompts (default: the memory's own; minilm for a new memory)."),
        .value("model-dir", "DIR", "Folder of the all-MiniLM-L6-v2 files (default: see README)."),
    ]

    /// The kind that produced vectors with this identity, if it is one of ours.
    init?(identity: EmbedderIdentity) {
        guard let kind = Self.allCases.first(where: { $0.identityName == identity.name }) else { return nil }
        self = kind
    }

    private var identityName: String {
        switch self {
        case .minilm: MiniLMEmbedder.name
        }
    }

    /// The embedder the arguments ask for; without `--embedder`, the kind that built `memory`.
    static func make(_ arguments: ParsedArguments, memory: MemoryManifest?) throws -> any Embedder {
        let kind: EmbedderChoice
        if let chosen = try arguments.choice("embedder", from: allCases.map(\.rawValue)) {
            kind = EmbedderChoice(rawValue: chosen)!
        } else if let memory {
            guard let stored = EmbedderChoice(identity: memory.embedder) else {
                throw CommandFailure("the memory was built with \(memory.embedder), which this tool cannot run")
            }
            kind = stored
        } else {
            kind = .minilm
        }
        switch kind {
        case .minilm:
            return try MiniLMEmbedder(modelDirectory: arguments.string("model-dir"))
        }
    }
}
