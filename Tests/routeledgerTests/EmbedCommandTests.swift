import Embeddings
import Foundation
import Testing
@testable import routeledger

@Suite struct EmbedCommandTests {
    /// Runs the line-by-line work over `lines` with a 4-dimensional hashing embedder.
    func embed(_ lines: [[UInt8]], batch: Int = 32) throws -> (output: [String], reports: [String], skipped: Int) {
        var written: [UInt8] = []
        var reports: [String] = []
        var embedding = JSONLinesEmbedding(embedder: HashingEmbedder(dimension: 4), batch: batch,
                                           write: { written += $0 }, report: { reports.append($0) })
        for (index, line) in lines.enumerated() { try embedding.add(line, lineNumber: index + 1) }
        try embedding.finish()
        let output = String(decoding: written, as: UTF8.self).split(separator: "\n").map(String.init)
        return (output, reports, embedding.skipped)
    }

    func object(_ line: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func copiesEveryOtherFieldByteForByteAndAppendsTheEmbedding() throws {
        let line = #"{"id": 7, "text": "hello", "price": 1.50, "nested": {"a": [1, 2]}}"#
        let result = try embed([Array(line.utf8)])
        let output = try #require(result.output.first)
        #expect(output.hasPrefix(#"{"id": 7, "text": "hello", "price": 1.50, "nested": {"a": [1, 2]},"embedding":["#))
        let vector = try #require(try object(output)["embedding"] as? [Double]).map(Float.init)
        #expect(vector == Array(HashingEmbedder(dimension: 4).embed(["hello"]).row(0)))
    }

    @Test func keepsTheInputOrderAcrossBatchesAndGivenEmbeddings() throws {
        var lines = (1...5).map { Array(#"{"id": \#($0), "text": "prompt \#($0)"}"#.utf8) }
        lines.insert(Array(#"{"id": 0, "text": "given", "embedding": [0, 3, 4, 0]}"#.utf8), at: 2)
        let result = try embed(lines, batch: 2)
        let ids = try result.output.map { try object($0)["id"] as? Int }
        #expect(ids == [1, 2, 0, 3, 4, 5])
        #expect(result.output[2] == #"{"id": 0, "text": "given", "embedding": [0, 3, 4, 0]}"#)
    }

    @Test func reportsEachBadLineWithItsNumberAndKeepsTheRest() throws {
        let lines: [[UInt8]] = [
            Array(#"{"text": "caf"#.utf8) + [0xC3] + Array(#""}"#.utf8),
            Array("not json".utf8),
            Array("[1, 2]".utf8),
            Array(#"{"id": 1}"#.utf8),
            Array(#"{"text": 5}"#.utf8),
            Array(#"{"text": "a", "embedding": [1, 2]}"#.utf8),
            Array(#"{"text": "a", "embedding": [0, 0, 0, 0]}"#.utf8),
            Array(#"{"text": "a", "embedding": [true, 1, 1, 1]}"#.utf8),
            Array(#"{"text": "good"}"#.utf8),
        ]
        let result = try embed(lines)
        #expect(result.skipped == 8)
        #expect(result.output.count == 1 && result.output[0].hasPrefix(#"{"text": "good","embedding":"#))
        #expect(result.reports == [
            "line 1: not valid UTF-8 (byte 14); skipped",  // 13 good bytes precede it
            "line 2: not valid JSON; skipped",
            "line 3: not a JSON object; skipped",
            "line 4: no \"text\" field; skipped",
            "line 5: \"text\" is not a string; skipped",
            "line 6: embedding has 2 dimensions, expected 4; skipped",
            "line 7: embedding is all zeros, so it has no direction to compare; skipped",
            "line 8: \"embedding\" is not an array of numbers; skipped",
        ])
    }

    @Test func embedsEmptyTextsControlCharactersAndAMegabytePrompt() throws {
        let huge = String(repeating: "long prompt ", count: 90_000)
        let lines = [#"{"text": ""}"#, #"{"text": "bell \u0007 nul \u0000 tab\t"}"#, #"{"text": "\#(huge)"}"#, "   ", "{\"text\": \"crlf\"}\r"]
        let result = try embed(lines.map { Array($0.utf8) })
        #expect(result.skipped == 0 && result.output.count == 4)
        for line in result.output {
            let vector = try #require(try object(line)["embedding"] as? [Double])
            #expect(vector.count == 4 && vector.allSatisfy { $0.isFinite })
        }
    }

    @Test func readsLinesInBlocksAndRefusesOverlongOnesWithoutHoldingThem() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(UUID().uuidString)")
        try Data("a\r\nb\n\(String(repeating: "x", count: 50))\nc".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var reader = LineReader(handle: try FileHandle(forReadingFrom: file), maximumLineBytes: 10)
        var lines: [String] = []
        while let line = try reader.next() {
            switch line {
            case .bytes(let bytes): lines.append(String(decoding: bytes, as: UTF8.self))
            case .tooLong: lines.append("<too long>")
            }
        }
        #expect(lines == ["a", "b", "<too long>", "c"])
    }

    /// A model folder the user may not read is reported as that, naming it — not as a missing
    /// model to fetch again. Root reads anything, so as root the command runs as `nobody`.
    @Test func anUnreadableModelFolderIsReportedAsPermissionDenied() throws {
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("unreadable-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        for file in ModelLocation.requiredFiles { try Data([1]).write(to: model.appendingPathComponent(file)) }
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: model.path)
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: model.path)
            try? FileManager.default.removeItem(at: model)
        }
        let routeledger = try #require(Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("routeledger"))
        let command = [routeledger.path, "embed", "--embedder", "minilm", "--model-dir", model.path, "/dev/null"]
        let process = Process()
        if geteuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups"] + command
        } else {
            process.executableURL = routeledger
            process.arguments = Array(command.dropFirst())
        }
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let printed = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(printed)")
        #expect(printed.contains("permission denied reading \(model.path)"), "\(printed)")
        #expect(!printed.contains("fetch-model") && !printed.contains("not found"), "\(printed)")
    }
}

