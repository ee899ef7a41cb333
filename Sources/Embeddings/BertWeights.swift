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
        var queryKeyValue: DenseWeight
        let queryKeyValueBias: [Float]
        var attentionOutput: DenseWeight
        let attentionOutputBias: [Float]
        let attentionNorm: LayerNorm
        var intermediate: DenseWeight
        let intermediateBias: [Float]
        var output: DenseWeight
        let outputBias: [Float]
        let outputNorm: LayerNorm
    }

    let wordEmbeddings: [Float]
    /// Position embeddings with the token-type-0 embedding already added: every input here is a
    /// single segment.
    let positionEmbeddings: [Float]
    let embeddingNorm: LayerNorm
    private(set) var layers: [Layer]

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
                queryKeyValue: .float(try tensor(p + "attention.self.query.weight", [hidden, hidden])
                    + tensor(p + "attention.self.key.weight", [hidden, hidden])
                    + tensor(p + "attention.self.value.weight", [hidden, hidden]), outputs: 3 * hidden, inputs: hidden),
                queryKeyValueBias: try tensor(p + "attention.self.query.bias", [hidden])
                    + tensor(p + "attention.self.key.bias", [hidden])
                    + tensor(p + "attention.self.value.bias", [hidden]),
                attentionOutput: .float(try tensor(p + "attention.output.dense.weight", [hidden, hidden]), outputs: hidden, inputs: hidden),
                attentionOutputBias: try tensor(p + "attention.output.dense.bias", [hidden]),
                attentionNorm: try norm(p + "attention.output.LayerNorm"),
                intermediate: .float(try tensor(p + "intermediate.dense.weight", [c.intermediateSize, hidden]),
                                     outputs: c.intermediateSize, inputs: hidden),
                intermediateBias: try tensor(p + "intermediate.dense.bias", [c.intermediateSize]),
                output: .float(try tensor(p + "output.dense.weight", [hidden, c.intermediateSize]), outputs: hidden, inputs: c.intermediateSize),
                outputBias: try tensor(p + "output.dense.bias", [hidden]),
                outputNorm: try norm(p + "output.LayerNorm")))
        }
        self.layers = layers
    }

    /// These weights with every layer's four dense weights at `precision`; the embeddings and
    /// norms, and the biases, stay float.
    func converted(to precision: EncoderPrecision) -> BertWeights {
        var converted = self
        for index in converted.layers.indices {
            converted.layers[index].queryKeyValue = layers[index].queryKeyValue.converted(to: precision)
            converted.layers[index].attentionOutput = layers[index].attentionOutput.converted(to: precision)
            converted.layers[index].intermediate = layers[index].intermediate.converted(to: precision)
            converted.layers[index].output = layers[index].output.converted(to: precision)
        }
        return converted
    }
}
