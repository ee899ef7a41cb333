import Foundation

/// The lines of a JSON Lines file, each parsed as one JSON object, with its line number.
/// Blank lines are skipped; a line that is not a JSON object is returned as an error.
public struct JSONLines: Sequence, IteratorProtocol {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 0

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    public mutating func next() -> (line: Int, object: Result<[String: Any], JSONLineError>)? {
        while position < bytes.count {
            let start = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
            let text = bytes[start..<position]
            position += 1
            line += 1
            guard text.contains(where: { !isJSONWhitespace($0) }) else { continue }
            return (line, Self.parseObject(text))
        }
        return nil
    }

    static func parseObject(_ text: ArraySlice<UInt8>) -> Result<[String: Any], JSONLineError> {
        guard let value = try? JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed]) else {
            return .failure(.notJSON)
        }
        guard let object = value as? [String: Any] else { return .failure(.notAnObject) }
        return .success(object)
    }
}

private func isJSONWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
}

public enum JSONLineError: Error, Sendable, Equatable, CustomStringConvertible {
    case notJSON
    case notAnObject

    public var description: String {
        switch self {
        case .notJSON: "not valid JSON"
        case .notAnObject: "not a JSON object"
        }
    }
}
