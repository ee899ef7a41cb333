import Foundation
import Int8Kernels
import Ranking

/// all-MiniLM-L6-v2 (sentence-transformers), run in process: WordPiece ids, the 6-layer BERT
/// encoder on OpenBLAS (or with int8 dense layers, `EncoderPrecision`), mean pooling over each
/// text's tokens, L2 normalisation. 384 dimensions.
public struct MiniLMEmbedder: Embedder {
    public static let name = "all-MiniLM-L6-v2"
    /// Bumped whenever a change here could move an embedding.
    static let revision = "r1"
    /// sentence-transformers' max_seq_length for this model: longer texts are truncated.
    public static let maximumTokens = 256

    public let identity: EmbedderIdentity
    public let precision: EncoderPrecision
    public var dimension: Int { encoder.configuration.hiddenSize }
    public let tokenizer: WordPieceTokenizer
    /// Texts per encoder pass: enough tokens for SGEMM to run near its peak, few enough to keep
    /// the intermediate activations (tokens × 1536 floats) small.
    public var batchSize: Int {
        didSet { precondition(batchSize > 0, "batch size must be positive") }
    }
    let encoder: BertEncoder

    /// Loads the model from the folder `ModelLocation.locate(explicit:)` finds.
    public init(modelDirectory: String? = nil, batchSize: Int = 32, precision: EncoderPrecision = .float) throws(ModelError) {
        try self.init(directory: ModelLocation.locate(explicit: modelDirectory), batchSize: batchSize, precision: precision)
    }

    public init(directory: URL, batchSize: Int = 32, precision: EncoderPrecision = .float) throws(ModelError) {
        precondition(batchSize > 0, "batch size must be positive")
        if precision == .int8, !CPUFlags.current.contains("avx2") {
            throw .unsupported("int8 precision needs a CPU with AVX2, which this one does not report; use precision float")
        }
        let configuration = try BertConfiguration.load(directory.appendingPathComponent("config.json"))
        let vocabulary = try WordPieceVocabulary(contentsOf: directory.appendingPathComponent("vocab.txt"))
        guard vocabulary.count == configuration.vocabularySize else {
            throw .corrupt(file: vocabulary.source,
                           reason: "\(vocabulary.count) word pieces, config.json says \(configuration.vocabularySize)")
        }
        let step = Int8MatrixProduct.depthStep
        if precision == .int8, !configuration.hiddenSize.isMultiple(of: step) || !configuration.intermediateSize.isMultiple(of: step)
            || max(configuration.hiddenSize, configuration.intermediateSize) > Int8MatrixProduct.maximumDepth {
            throw .unsupported("int8 precision needs layer widths that are multiples of \(step) up to \(Int8MatrixProduct.maximumDepth) "
                               + "(config.json has \(configuration.hiddenSize) and \(configuration.intermediateSize)); use precision float")
        }
        let weightsFile = directory.appendingPathComponent("model.safetensors")
        let weights: BertWeights
        let fingerprint: UInt64
        do {
            let file = try SafetensorsFile(contentsOf: weightsFile)
            weights = try BertWeights(file, configuration: configuration)
            fingerprint = file.fingerprint
        } catch {
            throw .corrupt(file: weightsFile.path, reason: error.description)
        }
        tokenizer = try WordPieceTokenizer(vocabulary: vocabulary,
                                           maximumLength: min(Self.maximumTokens, configuration.maximumPositions))
        encoder = BertEncoder(configuration: configuration, weights: weights.converted(to: precision))
        self.batchSize = batchSize
        self.precision = precision
        let weightsID = String(fingerprint, radix: 16)
        identity = EmbedderIdentity(name: Self.name, version: "\(Self.revision) \(Self.precisionMarks[precision]!)weights \(String(repeating: "0", count: 16 - weightsID.count) + weightsID)")
    }

    /// What the identity's version says of the precision, before the weights' fingerprint. The
    /// float path's is empty, so the identity of every vector embedded before int8 existed still
    /// names it. int8 vectors are near but not equal to float ones (cosine ≥ 0.995, not 0.9999),
    /// so the two identities differ and a memory refuses to mix them.
    private static let precisionMarks: [EncoderPrecision: String] = [.float: "", .int8: "int8 "]

    /// The precision whose vectors carry `identity`, for a MiniLM identity.
    public static func precision(of identity: EmbedderIdentity) -> EncoderPrecision {
        identity.version.hasPrefix("\(revision) \(precisionMarks[.int8]!)") ? .int8 : .float
    }

    public func embed(_ texts: [String]) -> FloatMatrix {
        embed(texts, profile: nil)
    }

    /// `embed`, charging the time of each phase to `profile`.
    public func embed(_ texts: [String], profile: EmbeddingProfile?) -> FloatMatrix {
        let dimension = dimension
        var values = [Float](repeating: 0, count: texts.count * dimension)
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            let batch = start..<min(start + batchSize, texts.count)
            let ids = EmbeddingProfile.measure(profile, .tokenizer) {
                texts[batch].map(tokenizer.tokenize)
            }
            let pooled = encoder.encode(ids, profile: profile)
            EmbeddingProfile.measure(profile, .pooling) {
                for row in 0..<batch.count {
                    let destination = (batch.lowerBound + row) * dimension
                    // Every text has at least [CLS] and [SEP], and a layer-normed state is never
                    // all zeros, so the mean has a direction.
                    var squares: Float = 0
                    for column in 0..<dimension { squares += pooled[row * dimension + column] * pooled[row * dimension + column] }
                    let inverse = 1 / squares.squareRoot()
                    for column in 0..<dimension { values[destination + column] = pooled[row * dimension + column] * inverse }
                }
            }
        }
        return FloatMatrix(rows: texts.count, columns: dimension, values: values)
    }
}
