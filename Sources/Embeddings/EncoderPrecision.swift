/// The arithmetic of the MiniLM encoder's dense layers (`embedder.precision`).
public enum EncoderPrecision: String, Sendable, CaseIterable {
    /// float32 weights and activations on OpenBLAS SGEMM: the reference path.
    case float
    /// int8 weights with one scale per output channel, activations quantised per token row,
    /// integer dot products (AVX2). Embeddings, layer norms, attention and GELU stay float.
    case int8
}
