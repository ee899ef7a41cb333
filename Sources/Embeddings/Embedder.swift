import Ranking
/// Turns prompts into unit-length vectors, so that the router can compare two prompts by the
/// dot product of their embeddings.
///
/// `embed` is batched: one call embeds many texts, which lets a neural embedder run its matrix
/// products on many tokens at once. Every row of the result has unit Euclidean length.
public protocol Embedder: Sendable {
    /// Which embedder made a vector; recorded with every decision, because vectors from two
    /// different embedders (or two versions of one) cannot be compared.
    var identity: EmbedderIdentity { get }
    /// The length of every vector it returns.
    var dimension: Int { get }
    /// One row per text, in the order of `texts`.
    func embed(_ texts: [String]) throws -> FloatMatrix
}

/// The name and version of an embedder, e.g. `all-MiniLM-L6-v2` / `r1 weights 3f0c…`.
public struct EmbedderIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    public let version: String

    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }

    public var description: String { "\(name) (\(version))" }
}
