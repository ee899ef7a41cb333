/// The weights of a BERT encoder, as read from `model.safetensors` (PyTorch's `nn.Linear`
/// layout: a weight is `[out, in]`, so a layer computes `x · Wᵀ + b`).
struct BertWeights: Sendable {
    struct LayerNorm: Sendable {
        let scale: [Float]
        let shift: [Float]
    }

    struct Layer: Sendable {
        /// Query, key and value projections stacked into one `[3·hidden, hidden]` weight, so
        /// the three are one matrix product.
        let queryKeyValue: [Float]
        let queryKeyValueBias: [Float]
        let attentionOutput: [Float]
        let attentionOutputBias: [Float]
        let attentionNorm: LayerNorm
        let intermediate: [Float]
        let intermediateBias: [Float]
        let output: [Float]
        let outputBias: [Float]
        let outputNorm: LayerNorm
    }

    let wordEmbeddings: [Float]
    /// Position embeddings with the token-type-0 embedding already added: every input here is a
    /// single segment.
    let positionEmbeddings: [Float]
    let embeddingNorm: LayerNorm
    let layers: [Layer]

    init(_ file: SafetensorsFile, configuration c: BertConfiguration) throws(SafetensorsError) {
        // Checkpoints saved from a BertModel name tensors plainly; from a larger model, "bert.…".
        let prefix = file.tensors["embeddings.word_embeddings.weight"] == nil ? "bert." : ""
        func tensor(_ name: String, _ shape: [Int]) throws(SafetensorsError) -> [Float] {
            try file.floats(prefix + name, shape: shape)
        }
        func norm(_ name: String) throws(SafetensorsError) -> LayerNorm {
            LayerNorm(scale: try tensor(name + ".weight", [c.hiddenSize]), shift: try tensor(name + ".bias", [c.hiddenSize]))
        }
        let hidden = c.hiddenSize
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [c.vocabularySize, hidden])
        let positions = try tensor("embeddings.position_embeddings.weight", [c.maximumPositions, hidden])
        let tokenTypes = try tensor("embeddings.token_type_embeddings.weight", [c.tokenTypeCount, hidden])
        positionEmbeddings = positions.indices.map { positions[$0] + tokenTypes[$0 % hidden] }
        embeddingNorm = try norm("embeddings.LayerNorm")
        var layers: [Layer] = []
        for index in 0..<c.layerCount {
            let p = "encoder.layer.\(index)."
            layers.append(Layer(
                queryKeyValue: try tensor(p + "attention.self.query.weight", [hidden, hidden])
                    + tensor(p + "attention.self.key.weight", [hidden, hidden])
                    + tensor(p + "attention.self.value.weight", [hidden, hidden]),
                queryKeyValueBias: try tensor(p + "attention.self.query.bias", [hidden])
                    + tensor(p + "attention.self.key.bias", [hidden])
                    + tensor(p + "attention.self.value.bias", [hidden]),
                attentionOutput: try tensor(p + "attention.output.dense.weight", [hidden, hidden]),
                attentionOutputBias: try tensor(p + "attention.output.dense.bias", [hidden]),
                attentionNorm: try norm(p + "attention.output.LayerNorm"),
                intermediate: try tensor(p + "intermediate.dense.weight", [c.intermediateSize, hidden]),
                intermediateBias: try tensor(p + "intermediate.dense.bias", [c.intermediateSize]),
                output: try tensor(p + "output.dense.weight", [hidden, c.intermediateSize]),
                outputBias: try tensor(p + "output.dense.bias", [hidden]),
                outputNorm: try norm(p + "output.LayerNorm")))
        }
        self.layers = layers
    }
}
