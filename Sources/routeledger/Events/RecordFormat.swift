import Foundation
import Kafka

/// How `routeledger tail` prints a record: for a reader, or one JSON object per line for a program.
enum RecordFormat: String, CaseIterable {
    case pretty
    case raw

    /// The record's text, ending with a line break.
    func render(_ message: KafkaMessage) -> String {
        let key = message.key.map { String(decoding: $0, as: UTF8.self) }
        let json = try? JSONSerialization.jsonObject(with: message.value, options: [.fragmentsAllowed])
        switch self {
        case .pretty:
            let value = json.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]) }
                ?? message.value
            return "partition \(message.partition.rawValue) offset \(message.offset.rawValue) key \(key ?? "(none)")\n" + String(decoding: value, as: UTF8.self) + "\n"
        case .raw:
            // A JSON document holds line breaks only as whitespace between tokens, so spaces in
            // their place keep the value as sent and the record on one line.
            let value = json == nil ? Self.quoted(String(decoding: message.value, as: UTF8.self))
                : String(decoding: message.value.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }, as: UTF8.self)
            return #"{"partition":\#(message.partition.rawValue),"offset":\#(message.offset.rawValue),"key":\#(key.map(Self.quoted) ?? "null"),"value":\#(value)}"# + "\n"
        }
    }

    private static func quoted(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
