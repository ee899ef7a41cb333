import Embeddings
import Foundation
import Pipeline

/// `routeledger embed`: reads JSON lines with a `text` field and writes each back with an
/// `embedding` array added.
enum EmbedCommand: Command {
    static let name = "embed"
    static let summary = "add an embedding to every JSON line that has a text field"
    static let positionalUsage = "[FILE]"
    static let discussion = """
        Reads JSON objects, one per line, from FILE (or standard input) and writes each to standard
        output with "embedding": [...] appended; every other field is copied byte for byte. A line
        that already has an "embedding" is checked (dimension, finite, not all zeros) and copied
        unchanged. Blank lines are ignored. A line that is not valid UTF-8, not a JSON object, has
        no string "text" or a bad "embedding" is skipped with its line number and the reason on
        standard error; the others are still written, and the exit status is then 1.
        """
    static let options: [Option] = EmbedderChoice.options + [
        .value("batch", "N", "Texts per embedding call (default 32)."),
    ]
    /// A prompt of several megabytes is still accepted; beyond this a line is refused unread.
    static let maximumLineBytes = 64 << 20

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        let files = try arguments.positionals(atMost: 1)
        let choice = try EmbedderChoice.parse(arguments)
        let batch = try arguments.int("batch", range: 1...4_096) ?? 32
        var reader = try LineReader(path: files.first, maximumLineBytes: maximumLineBytes)
        let embedder = try choice.load(arguments, batchSize: batch)
        if choice == .minilm { printStandardError("embed: \(BLASKernel.description)\n") }

        var lines = JSONLinesEmbedding(embedder: embedder, batch: batch,
                                       write: { FileHandle.standardOutput.write(Data($0)) },
                                       report: { printStandardError("embed: \($0)\n") })
        var number = 0
        while let line = try reader.next() {
            number += 1
            switch line {
            case .bytes(let bytes): try lines.add(bytes, lineNumber: number)
            case .tooLong: lines.refuse(lineNumber: number, reason: "longer than \(maximumLineBytes >> 20) MiB")
            }
        }
        try lines.finish()
        printStandardError("embed: \(lines.embedded) embedded, \(lines.given) with a given embedding, \(lines.skipped) skipped (\(embedder.identity))\n")
        return lines.skipped > 0 ? 1 : 0
    }
}

/// The line-by-line work of `routeledger embed`: checks each line, collects texts into batches,
/// and writes lines out in their input order with their embeddings spliced in.
struct JSONLinesEmbedding {
    private enum Pending {
        /// The line without its closing brace, and its text.
        case toEmbed(prefix: ArraySlice<UInt8>, text: String)
        case given([UInt8])
    }

    let embedder: any Embedder
    let batch: Int
    let write: ([UInt8]) -> Void
    let report: (String) -> Void
    private(set) var embedded = 0
    private(set) var given = 0
    private(set) var skipped = 0
    private var pending: [Pending] = []
    private var textsPending = 0

    init(embedder: any Embedder, batch: Int, write: @escaping ([UInt8]) -> Void, report: @escaping (String) -> Void) {
        self.embedder = embedder
        self.batch = batch
        self.write = write
        self.report = report
    }

    mutating func add(_ line: [UInt8], lineNumber: Int) throws {
        var end = line.count
        while end > 0, [0x20, 0x09, 0x0D].contains(line[end - 1]) { end -= 1 }
        let trimmed = line[..<end]
        guard trimmed.contains(where: { ![0x20, 0x09].contains($0) }) else { return }
        switch check(trimmed) {
        case .failure(let problem):
            refuse(lineNumber: lineNumber, reason: problem.reason)
        case .success(.some(let text)):
            pending.append(.toEmbed(prefix: trimmed.dropLast(), text: text))
            textsPending += 1
            if textsPending >= batch { try flush() }
        case .success(.none):
            pending.append(.given(Array(trimmed)))
            given += 1
        }
    }

    mutating func refuse(lineNumber: Int, reason: String) {
        report("line \(lineNumber): \(reason); skipped")
        skipped += 1
    }

    mutating func finish() throws {
        try flush()
    }

    private struct Problem: Error {
        let reason: String
    }

    /// The text to embed, nil for a line whose given embedding passed the check, or why the
    /// line is refused.
    private func check(_ line: ArraySlice<UInt8>) -> Result<String?, Problem> {
        if let offset = firstInvalidUTF8Offset(line) {
            return .failure(Problem(reason: "not valid UTF-8 (byte \(offset + 1))"))
        }
        let parsed = try? JSONSerialization.jsonObject(with: Data(line))
        guard let object = parsed as? [String: Any] else {
            return .failure(Problem(reason: parsed == nil ? "not valid JSON" : "not a JSON object"))
        }
        guard let text = object["text"] else { return .failure(Problem(reason: "no \"text\" field")) }
        guard let text = text as? String else { return .failure(Problem(reason: "\"text\" is not a string")) }
        guard let vector = object["embedding"] else { return .success(text) }
        guard let numbers = vector as? [Any],
              case let values = numbers.compactMap({ isJSONBoolean($0) ? nil : ($0 as? NSNumber)?.floatValue }),
              values.count == numbers.count
        else {
            return .failure(Problem(reason: "\"embedding\" is not an array of numbers"))
        }
        do {
            _ = try checkedGivenEmbedding(values, dimension: embedder.dimension)
            return .success(nil)
        } catch {
            return .failure(Problem(reason: "\(error)"))
        }
    }

    private mutating func flush() throws {
        guard !pending.isEmpty else { return }
        let texts = pending.compactMap { if case .toEmbed(_, let text) = $0 { text } else { nil } }
        let embeddings = try embedder.embed(texts)
        var output: [UInt8] = []
        var row = 0
        for line in pending {
            switch line {
            case .given(let bytes):
                output += bytes
            case .toEmbed(let prefix, _):
                output += prefix
                output += Array(",\"embedding\":[".utf8)
                for (index, value) in embeddings.row(row).enumerated() {
                    if index > 0 { output.append(0x2C) }
                    output += Array("\(value)".utf8)
                }
                output += Array("]}".utf8)
                row += 1
            }
            output.append(0x0A)
        }
        write(output)
        embedded += texts.count
        pending.removeAll(keepingCapacity: true)
        textsPending = 0
    }
}

/// Foundation's JSON reader hands back `true` and `false` as NSNumbers of their own class, and
/// `is Bool` holds for the numbers 0 and 1 too; the class tells them apart.
private let jsonBooleanType: AnyClass = type(of: NSNumber(value: true))

private func isJSONBoolean(_ value: Any) -> Bool {
    guard let number = value as? NSNumber else { return false }
    return type(of: number) == jsonBooleanType
}

/// Offset of the first byte that does not belong to a well-formed UTF-8 sequence, or nil.
func firstInvalidUTF8Offset(_ bytes: some Collection<UInt8>) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var offset = 0
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let encoded): offset += encoded.count
        case .emptyInput: return nil
        case .error: return offset
        }
    }
}
