import Embeddings

/// Why the configuration cannot be made into a stage.
public enum StageAssemblyError: Error, Equatable, CustomStringConvertible {
    /// The memory directory's vectors come from another embedder than the configured one.
    case embedderMismatch(memory: EmbedderIdentity, configured: EmbedderIdentity)
    /// `database.url` is not a connection string libpq accepts.
    case invalidDatabaseURL(String)

    public var description: String {
        switch self {
        case .embedderMismatch(let memory, let configured):
            "the memory's embeddings come from \(memory), but the configured embedder is \(configured): "
                + "queries and battles must be embedded alike (re-import the memory, or set embedder.kind and embedder.precision)"
        case .invalidDatabaseURL(let message):
            "database.url: \(message)"
        }
    }
}
