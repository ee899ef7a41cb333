import Embeddings
import Foundation
import Testing

/// all-MiniLM-L6-v2 with int8 dense layers: near the float64 reference on every fixture text,
/// and never taken for the float embedder.
@Suite struct Int8MiniLMEmbedderTests {
    static let embedder = Result { try MiniLMEmbedder(directory: locatedModel(), precision: .int8) }

    @Test func everyReferenceTextIsWithinCosine0995OfItsReferenceEmbedding() throws {
        let embedder = try Self.embedder.get()
        let fixture = try ReferenceFixture.load()
        let embeddings = embedder.embed(fixture.texts.map(\.text))
        let cosines = fixture.texts.indices.map { cosine(embeddings.row($0), fixture.embedding($0)) }
        let worst = cosines.indices.min { cosines[$0] < cosines[$1] }!
        #expect(cosines[worst] >= 0.995, "text \(fixture.texts[worst].id) has cosine \(cosines[worst]) to its reference")
    }

    @Test func everyRowHasUnitLength() throws {
        let e = try Self.embedder.get().embed(["", "hello", String(repeating: "long text ", count: 400)])
        for row in 0..<e.rows {
            let norm = e.row(row).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    @Test func aTextEmbedsTheSameAloneAndBatchedWithOthers() throws {
        // Each token row is quantised with its own scale, so a text's rows do not depend on its
        // batch neighbours.
        let embedder = try Self.embedder.get()
        let alone = embedder.embed(["Is the sky blue?"])
        let batched = embedder.embed([String(repeating: "The quick brown fox jumps. ", count: 40), "Is the sky blue?", "Hi"])
        let largest = zip(alone.row(0), batched.row(1)).map { abs($0 - $1) }.max()!
        #expect(largest < 1e-5)
    }

    @Test func theIdentityDiffersFromTheFloatEmbeddersAndNamesItsPrecision() throws {
        let int8 = try Self.embedder.get()
        let float = try MiniLMEmbedder(directory: locatedModel())
        #expect(int8.identity.name == float.identity.name)
        #expect(int8.identity != float.identity)
        #expect(MiniLMEmbedder.precision(of: int8.identity) == .int8)
        #expect(MiniLMEmbedder.precision(of: float.identity) == .float)
    }

    @Test func aModelWhoseWidthsTheIntegerProductsCannotTakeIsRefusedAtLoad() throws {
        // The products step through 16 inputs at a time: an intermediate width of 1,000
        // (1,000 = 62 · 16 + 8) is refused before the weights are read, naming both widths.
        let model = try locatedModel()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("odd-width-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in ["vocab.txt", "model.safetensors"] {
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(file), withDestinationURL: model.appendingPathComponent(file))
        }
        let configuration = try String(contentsOf: model.appendingPathComponent("config.json"), encoding: .utf8)
            .replacingOccurrences(of: #""intermediate_size": 1536"#, with: #""intermediate_size": 1000"#)
        try Data(configuration.utf8).write(to: folder.appendingPathComponent("config.json"))
        #expect {
            _ = try MiniLMEmbedder(directory: folder, precision: .int8)
        } throws: { error in
            "\(error)".contains("multiples of 16") && "\(error)".contains("384 and 1000")
        }
    }
}
