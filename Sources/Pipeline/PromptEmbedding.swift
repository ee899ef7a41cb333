import Embeddings

/// Embeds `texts` in one call, or, when that call fails as a whole, one by one, so that only
/// the texts that cannot be embedded fail. One result per text, in order.
func embedEach(_ texts: [String], with embedder: any Embedder) -> [Result<[Float], any Error>] {
    guard !texts.isEmpty else { return [] }
    if let matrix = try? embedder.embed(texts) {
        return texts.indices.map { .success(Array(matrix.row($0))) }
    }
    return texts.map { text in Result { Array(try embedder.embed([text]).row(0)) } }
}
