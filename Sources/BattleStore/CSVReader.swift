/// Reads comma-separated values as RFC 4180 defines them: fields separated by commas, records by
/// line breaks (LF or CRLF), a field in double quotes may hold commas, line breaks and quotes
/// (written twice). MMLU prompts are multi-line and quoted, so splitting on lines would cut them.
///
/// Each record carries the line it starts on, so a bad row can be reported as `file:line`. A
/// malformed record is returned as an error and reading resumes on the next line; blank lines
/// are skipped; a UTF-8 byte-order mark at the start is ignored.
public struct CSVReader: Sequence, IteratorProtocol {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    public mutating func next() -> Result<CSVRecord, CSVSyntaxError>? {
        while position < bytes.count, bytes[position] == lineFeed || isCRLF(at: position) {
            advancePastLineBreak()
        }
        guard position < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        while true {
            let field: String
            if position < bytes.count, bytes[position] == quote {
                guard let quoted = readQuotedField(startLine: startLine) else {
                    let reason = "a quoted field opened on line \(startLine) is never closed"
                    position = bytes.count
                    return .failure(CSVSyntaxError(line: startLine, reason: reason))
                }
                field = quoted
                if position < bytes.count, bytes[position] != comma, bytes[position] != lineFeed, !isCRLF(at: position) {
                    let errorLine = line
                    skipRestOfLine()
                    return .failure(CSVSyntaxError(line: errorLine, reason: "text after the closing quote of a field"))
                }
            } else {
                let start = position
                while position < bytes.count, bytes[position] != comma, bytes[position] != lineFeed, !isCRLF(at: position) {
                    if bytes[position] == quote {
                        let errorLine = line
                        skipRestOfLine()
                        return .failure(CSVSyntaxError(line: errorLine, reason: "a quote inside an unquoted field"))
                    }
                    position += 1
                }
                field = String(decoding: bytes[start..<position], as: UTF8.self)
            }
            fields.append(field)
            if position < bytes.count, bytes[position] == comma {
                position += 1
                continue
            }
            if position < bytes.count { advancePastLineBreak() }
            return .success(CSVRecord(line: startLine, fields: fields))
        }
    }

    /// Reads from an opening quote to just past the closing one; nil if the input ends first.
    private mutating func readQuotedField(startLine: Int) -> String? {
        position += 1
        var value: [UInt8] = []
        var runStart = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == quote {
                value.append(contentsOf: bytes[runStart..<position])
                if position + 1 < bytes.count, bytes[position + 1] == quote {
                    value.append(quote)
                    position += 2
                    runStart = position
                    continue
                }
                position += 1
                return String(decoding: value, as: UTF8.self)
            }
            if byte == lineFeed { line += 1 }
            position += 1
        }
        return nil
    }

    private mutating func skipRestOfLine() {
        while position < bytes.count, bytes[position] != lineFeed { position += 1 }
        if position < bytes.count { advancePastLineBreak() }
    }

    private mutating func advancePastLineBreak() {
        position += bytes[position] == carriageReturn ? 2 : 1
        line += 1
    }

    private func isCRLF(at index: Int) -> Bool {
        bytes[index] == carriageReturn && index + 1 < bytes.count && bytes[index + 1] == lineFeed
    }
}

private let comma = UInt8(ascii: ",")
private let quote = UInt8(ascii: "\"")
private let lineFeed = UInt8(ascii: "\n")
private let carriageReturn = UInt8(ascii: "\r")

/// One row of a CSV file and the line it starts on.
public struct CSVRecord: Sendable, Equatable {
    public let line: Int
    public let fields: [String]
}

public struct CSVSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let reason: String

    public var description: String { reason }
}
