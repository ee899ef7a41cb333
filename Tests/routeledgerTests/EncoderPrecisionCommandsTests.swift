import BattleStore
import Foundation
import TestSupport
import Testing

/// `--precision` on the commands that embed: int8 vectors are kept apart from float ones, a
/// memory is read at the precision it was built at, and `bench embed` times both in one run.
@Suite final class EncoderPrecisionCommandsTests {
    private let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("precision-commands-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    private func battles(_ name: String, prompt: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        let line = #"{"prompt": "\#(prompt)", "model_a": "big", "model_b": "small", "winner": "model_a"}"#
        try Data((line + "\n").utf8).write(to: url)
        return url.path
    }

    @Test func aMemoryEmbeddedAtInt8GrowsAtInt8AndRefusesFloatVectors() throws {
        let memory = folder.appendingPathComponent("memory").path
        let first = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--memory", memory, "--precision", "int8",
                                             try battles("a.jsonl", prompt: "Write a haiku about rain.")])
        try #require(first.status == 0, "\(first.error)")
        let built = try MemoryDirectory.open(URL(fileURLWithPath: memory)).manifest.embedder
        #expect(built.name == "all-MiniLM-L6-v2" && built.version.contains("int8"))

        // Without --precision the memory's own precision is used, so the import is accepted.
        let second = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--memory", memory,
                                              try battles("b.jsonl", prompt: "Sort a list in Python.")])
        #expect(second.status == 0, "\(second.error)")
        #expect(try MemoryDirectory.open(URL(fileURLWithPath: memory)).manifest.battleCount == 2)

        let float = try RouteLedgerTool.run(["import", "--format", "battles-jsonl", "--memory", memory, "--precision", "float",
                                             try battles("c.jsonl", prompt: "Name a prime.")])
        #expect(float.status != 0)
        #expect(float.error.contains("int8"), "\(float.error)")
        #expect(try MemoryDirectory.open(URL(fileURLWithPath: memory)).manifest.battleCount == 2)
    }

    @Test func aPrecisionForTheHashingEmbedderOrOneUnknownIsAUsageError() throws {
        let hashing = try RouteLedgerTool.run(["embed", "--embedder", "hashing", "--precision", "int8", "/dev/null"])
        #expect(hashing.status == 2 && hashing.error.contains("'--precision' applies to --embedder minilm only"), "\(hashing.error)")
        let unknown = try RouteLedgerTool.run(["embed", "--precision", "int4", "/dev/null"])
        #expect(unknown.status == 2 && unknown.error.contains("--precision"), "\(unknown.error)")
    }

    @Test func benchEmbedTimesFloatAndInt8InTheSameRun() throws {
        let reference = try SharedFixtures.url("reference/minilm").path
        let result = try RouteLedgerTool.run(["bench", "embed", "--reference", reference, "--precision", "both",
                                              "--batches", "32", "--seconds", "0", "--json"])
        try #require(result.status == 0, "\(result.error)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let floatRate = try #require(figures["texts_per_second_batch_32"] as? Double)
        let int8Rate = try #require(figures["int8_texts_per_second_batch_32"] as? Double)
        let speedup = try #require(figures["int8_speedup_batch_32"] as? Double)
        #expect(abs(speedup - int8Rate / floatRate) < 1e-9)
        // The float path within 1e-4 of the reference, int8 within the 0.005 its tests allow.
        #expect(try #require(figures["max_one_minus_cosine_to_reference"] as? Double) < 1e-4)
        #expect(try #require(figures["int8_max_one_minus_cosine_to_reference"] as? Double) <= 0.005)
        #expect((figures["int8_embedder"] as? String)?.contains("int8") == true)
        #expect((figures["embedder"] as? String)?.contains("int8") == false)
    }
}
