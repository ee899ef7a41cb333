import Embeddings
import Foundation
import TestSupport

/// `shared/reference/minilm`: texts, Hugging Face's token ids for them, and float64 reference
/// embeddings (see its README).
struct ReferenceFixture {
    struct Text {
        let id: Int
        let text: String
    }

    let texts: [Text]
    let inputIDs: [Int: [Int32]]
    /// Row-major, `texts.count` × 384, in the order of `texts`.
    let embeddings: [Float]
    static let dimension = 384

    static func load() throws -> ReferenceFixture {
        let directory = try SharedFixtures.url("reference/minilm")
        let texts = try jsonLines(directory.appendingPathComponent("texts.jsonl")).map { object in
            Text(id: object["id"] as! Int, text: object["text"] as! String)
        }
        var inputIDs: [Int: [Int32]] = [:]
        for object in try jsonLines(directory.appendingPathComponent("input_ids.jsonl")) {
            inputIDs[object["id"] as! Int] = (object["input_ids"] as! [Int]).map { Int32($0) }
        }
        let data = try Data(contentsOf: directory.appendingPathComponent("embeddings.f32"))
        let embeddings = data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return ReferenceFixture(texts: texts, inputIDs: inputIDs, embeddings: embeddings)
    }

    /// The reference embedding of `texts[index]`.
    func embedding(_ index: Int) -> ArraySlice<Float> {
        embeddings[(index * Self.dimension)..<((index + 1) * Self.dimension)]
    }

    /// Texts whose ids mark them as Chatbot-Arena prompts (the first 200, per the README).
    var arenaPrompts: [String] {
        texts.filter { $0.id < 200 }.map(\.text)
    }

    private static func jsonLines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
}

/// The model folder, found the way `routeledger` finds it. A missing model fails the test with
/// the loader's own message, which names the fix.
func locatedModel() throws -> URL {
    try ModelLocation.locate()
}

/// The cosine of the angle between `a` and `b`, in double precision.
func cosine(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Double {
    var dot = 0.0, normA = 0.0, normB = 0.0
    for (x, y) in zip(a, b) {
        dot += Double(x) * Double(y)
        normA += Double(x) * Double(x)
        normB += Double(y) * Double(y)
    }
    return dot / (normA.squareRoot() * normB.squareRoot())
}
