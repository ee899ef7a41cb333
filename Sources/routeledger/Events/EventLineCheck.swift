import Foundation
import Pipeline

/// One line of `routeledger produce`'s input as the record it becomes: the line's bytes as the
/// value, checked by the parser of the event's schema (unless raw), and a key made of the
/// event's fields.
struct EventLineCheck {
    struct Record {
        let key: Data?
        let value: Data
    }

    /// Why a line cannot be sent, in the words of the parser that refused it.
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// The fields joined by `:` into the key (`--key tenant:id`); nil sends records without a key.
    let keyFields: [String]?
    /// False with `--raw`: the line is sent as it is, unchecked.
    let checksEvents: Bool
    let limits: QueryEvent.Limits
    let knownModels: ModelNames?

    /// Parses `--key`'s value: field names separated by `:`, none empty.
    static func keyFields(_ text: String) throws -> [String] {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard !fields.contains(where: \.isEmpty) else {
            throw UsageError("option '--key' expects field names separated by ':', got '\(text)'")
        }
        return fields
    }

    func record(_ line: [UInt8]) throws(Refusal) -> Record {
        let value = Data(line)
        if checksEvents {
            do {
                _ = try InputEvent(bytes: value, limits: limits, knownModels: knownModels)
            } catch {
                throw Refusal(description: error.description)
            }
        }
        return Record(key: try keyFields.map { fields throws(Refusal) in try key(of: line, fields: fields) }, value: value)
    }

    private func key(of line: [UInt8], fields: [String]) throws(Refusal) -> Data {
        guard case .object(let object)? = try? JSONValue.parse(line) else {
            throw Refusal(description: "not a JSON object, so it has no fields for the key")
        }
        let parts = try fields.map { field throws(Refusal) in
            switch object[field] {
            case .string(let text)?:
                return text
            case .number(let number)? where number.rounded() == number && abs(number) < 1e15:
                return String(Int64(number))
            case nil, .null?:
                throw Refusal(description: "key field '\(field)' is missing")
            default:
                throw Refusal(description: "key field '\(field)' is not a string or an integer")
            }
        }
        return Data(parts.joined(separator: ":").utf8)
    }
}
