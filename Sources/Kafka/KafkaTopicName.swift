/// Kafka's rule for topic names: 1 to 249 characters from ASCII letters, digits, `.`, `_` and
/// `-`, and neither `.` nor `..`.
public enum KafkaTopicName {
    public static let maximumLength = 249

    /// Why `name` cannot be a topic name, or nil if it can.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "a topic name cannot be empty" }
        if name.utf8.count > maximumLength { return "topic name '\(name)' is longer than \(maximumLength) characters" }
        if name == "." || name == ".." { return "'\(name)' cannot be a topic name" }
        let allowed = name.utf8.allSatisfy { isAllowed($0) || $0 == escape }
        return allowed ? nil : "topic name '\(name)' may only contain ASCII letters, digits, '.', '_' and '-'"
    }

    /// `text` in the characters a topic name allows, reversibly (`unescaped` undoes it): every
    /// UTF-8 byte outside ASCII letters, digits, `.`, `-` and `_` becomes `_` and two lower-case
    /// hex digits (`/` is `_2f`), and so does an `_` that would read as such an escape (one
    /// followed by two lower-case hex digits). Text a topic name already allows is kept as it is,
    /// so topics named before the escape existed keep their names.
    public static func escaped(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var result: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            if isAllowed(byte) || (byte == escape && !startsEscape(bytes, at: index + 1)) {
                result.append(byte)
            } else {
                result += [escape, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// The text `escaped` made `name` from; nil if the escapes do not spell UTF-8.
    public static func unescaped(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == escape, startsEscape(bytes, at: index + 1) {
                result.append(hexValue(bytes[index + 1])! << 4 | hexValue(bytes[index + 2])!)
                index += 3
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return String(validating: result, as: UTF8.self)
    }

    private static let escape = UInt8(ascii: "_")
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// ASCII letters, digits, `.` and `-`: what a topic name allows besides the escape.
    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "-"): true
        default: false
        }
    }

    private static func startsEscape(_ bytes: [UInt8], at index: Int) -> Bool {
        index + 1 < bytes.count && hexValue(bytes[index]) != nil && hexValue(bytes[index + 1]) != nil
    }

    /// Lower-case hex only, so `_AB` stays text.
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
