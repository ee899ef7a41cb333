import Embeddings
import Foundation
import Testing

@Suite struct SafetensorsFileTests {
    /// A file built by hand: the 8-byte length, the header, then `payload`.
    func file(header: String, payload: [UInt8]) -> Data {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: payload)
        return data
    }

    /// 1.5 and −2 as little-endian float32.
    let twoFloats: [UInt8] = [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0]
    let header = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#

    @Test func readsAFloatTensorAndTheMetadata() throws {
        let tensors = try SafetensorsFile(contents: file(header: header, payload: twoFloats))
        #expect(try tensors.floats("w", shape: [2]) == [1.5, -2])
        #expect(tensors.metadata == ["format": "pt"])
    }

    @Test func refusesATruncatedFile() {
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(contents: file(header: header, payload: Array(twoFloats.prefix(5)))) }
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(contents: Data([1, 2, 3])) }
        // The length field promises more header than there is.
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(contents: file(header: header, payload: []).prefix(40)) }
    }

    @Test func refusesAHeaderWhoseSizesDisagree() {
        let wrongSize = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(contents: file(header: wrongSize, payload: twoFloats)) }
        let notJSON = "{not json"
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(contents: file(header: notJSON, payload: twoFloats)) }
        let unknownType = #"{"w":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}}"#
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(contents: file(header: unknownType, payload: twoFloats)) }
    }

    @Test func namesTheTensorWhenItsShapeOrTypeIsNotWhatTheModelNeeds() throws {
        let tensors = try SafetensorsFile(contents: file(header: header, payload: twoFloats))
        #expect(throws: SafetensorsError.wrongShape(tensor: "w", expected: [1, 2], actual: [2])) { try tensors.floats("w", shape: [1, 2]) }
        #expect(throws: SafetensorsError.missingTensor("v")) { try tensors.floats("v", shape: [2]) }
        let integers = try SafetensorsFile(contents: file(header: #"{"w":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#, payload: twoFloats))
        #expect(throws: SafetensorsError.wrongType(tensor: "w", expected: "F32", actual: "I32")) { try integers.floats("w", shape: [2]) }
    }

    @Test func aDamagedModelFileGivesOneMessageNamingTheFix() throws {
        let model = try locatedModel()
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("damaged-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: copy) }
        for name in ["vocab.txt", "config.json"] {
            try FileManager.default.copyItem(at: model.appendingPathComponent(name), to: copy.appendingPathComponent(name))
        }
        // The first megabyte of the real weights: a valid header whose tensors run past the end.
        let handle = try FileHandle(forReadingFrom: model.appendingPathComponent("model.safetensors"))
        try handle.read(upToCount: 1 << 20)!.write(to: copy.appendingPathComponent("model.safetensors"))
        try handle.close()
        do {
            _ = try MiniLMEmbedder(directory: copy)
            Issue.record("a truncated model was loaded")
        } catch {
            #expect(error.description.contains("truncated"))
            #expect(error.description.contains("ops/fetch-model.sh"))
        }
    }
}
