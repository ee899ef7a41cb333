import Foundation

/// The parts of a BERT `config.json` the encoder needs, checked against what it implements.
struct BertConfiguration: Decodable, Equatable {
    let hiddenSize: Int
    let layerCount: Int
    let headCount: Int
    let intermediateSize: Int
    let maximumPositions: Int
    let vocabularySize: Int
    let tokenTypeCount: Int
    let layerNormEpsilon: Float
    let hiddenActivation: String

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case maximumPositions = "max_position_embeddings"
        case vocabularySize = "vocab_size"
        case tokenTypeCount = "type_vocab_size"
        case layerNormEpsilon = "layer_norm_eps"
        case hiddenActivation = "hidden_act"
    }

    var headSize: Int { hiddenSize / headCount }

    static func load(_ url: URL) throws(ModelError) -> BertConfiguration {
        let configuration: BertConfiguration
        do {
            configuration = try JSONDecoder().decode(BertConfiguration.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw .corrupt(file: url.path, reason: "not a BERT configuration (\(error))")
        } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
        let sizes = [configuration.hiddenSize, configuration.layerCount, configuration.headCount,
                     configuration.intermediateSize, configuration.maximumPositions,
                     configuration.vocabularySize, configuration.tokenTypeCount]
        guard sizes.allSatisfy({ $0 > 0 }), configuration.hiddenSize % configuration.headCount == 0 else {
            throw .corrupt(file: url.path, reason: "sizes must be positive and hidden_size a multiple of num_attention_heads")
        }
        // The vectorised element-wise steps work in whole groups of eight.
        guard configuration.hiddenSize % 8 == 0, configuration.intermediateSize % 8 == 0 else {
            throw .corrupt(file: url.path, reason: "hidden_size and intermediate_size must be multiples of 8")
        }
        guard configuration.hiddenActivation == "gelu" else {
            throw .corrupt(file: url.path, reason: "hidden_act \(configuration.hiddenActivation) is not supported (only gelu)")
        }
        return configuration
    }
}
