/// Why learning, or a router following it, cannot go on.
public enum LearningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stored battles come from another embedder than the one configured.
    case embedderMismatch(stored: [String], configured: String)
    case damagedBattle(id: Int64?, String)
    case damagedRatings(id: Int64, String)
    /// Nothing in the database to route with yet.
    case noRatings
    /// The learn stage embeds votes' prompts itself.
    case needsEmbedder

    public var description: String {
        switch self {
        case .embedderMismatch(let stored, let configured):
            "the battles in the database were embedded by \(stored.joined(separator: " and ")), but the configured embedder is \(configured): "
                + "battles and queries must be embedded alike (one embedder per database)"
        case .damagedBattle(let id, let reason):
            "battle \(id.map(String.init) ?? "?") in the database cannot be read: \(reason)"
        case .damagedRatings(let id, let reason):
            "ratings version \(id) in the database cannot be read: \(reason)"
        case .noRatings:
            "the database has no ratings version yet: load battles with `routeledger import --database`, or run the learn stage once"
        case .needsEmbedder:
            "the learn stage embeds the prompts of votes itself: set embedder.kind to minilm or hashing (not given)"
        }
    }
}
