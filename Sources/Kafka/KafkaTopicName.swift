/// Kafka's rule for topic names: 1 to 249 characters from ASCII letters, digits, `.`, `_` and
/// `-`, and neither `.` nor `..`.
public enum KafkaTopicName {
    /// Why `name` cannot be a topic name, or nil if it can.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "a topic name cannot be empty" }
        if name.utf8.count > 249 { return "topic name '\(name)' is longer than 249 characters" }
        if name == "." || name == ".." { return "'\(name)' cannot be a topic name" }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-_".unicodeScalars.contains(scalar))
        }
        return allowed ? nil : "topic name '\(name)' may only contain ASCII letters, digits, '.', '_' and '-'"
    }
}
