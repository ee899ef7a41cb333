import Embeddings

/// An embedder RouteLedger runs itself: the configuration's `embedder.kind` (besides `given`,
/// where every event brings its own vector and nothing is embedded) and the `--embedder` option
/// of the commands that embed prompts.
public enum EmbedderChoice: String, Sendable, CaseIterable {
    case minilm, hashing

    /// The kind whose vectors carry this identity, if RouteLedger can run it.
    public init?(identity: EmbedderIdentity) {
        switch identity.name {
        case MiniLMEmbedder.name: self = .minilm
        case HashingEmbedder.name: self = .hashing
        default: return nil
        }
    }

    /// Loads the embedder; MiniLM's files from `modelDirectory`, or where `ModelLocation` looks
    /// without one, its encoder at `precision` (which the hashing embedder has none of). A
    /// missing or damaged model is an error naming the fix.
    public func load(modelDirectory: String?, batchSize: Int, precision: EncoderPrecision) throws(ModelError) -> any Embedder {
        switch self {
        case .hashing: HashingEmbedder()
        case .minilm: try MiniLMEmbedder(modelDirectory: modelDirectory, batchSize: batchSize, precision: precision)
        }
    }
}
