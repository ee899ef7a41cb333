import Foundation

/// librdkafka settings as key–value strings (see librdkafka's CONFIGURATION.md), in the order set.
///
/// Anything librdkafka accepts can be passed this way, so TLS, SASL and tuning need no code.
/// Keys are checked against librdkafka when a client is created (or by `validate()` on a
/// configuration), and an unknown key is refused by name. The description never shows the
/// value of a secret.
public struct KafkaProperties: Sendable, Equatable, ExpressibleByDictionaryLiteral,
                               CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private var keys: [String] = []
    private var values: [String: String] = [:]

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (key, value) in elements { self[key] = value }
    }

    public init(_ pairs: some Sequence<(String, String)>) {
        for (key, value) in pairs { self[key] = value }
    }

    /// The value of a setting; assigning nil removes it.
    public subscript(key: String) -> String? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// The settings in the order they were first set.
    public var entries: [(key: String, value: String)] {
        keys.map { ($0, values[$0]!) }
    }

    public var isEmpty: Bool { keys.isEmpty }

    /// `self` with every setting of `other` added or replacing.
    public func merging(_ other: KafkaProperties) -> KafkaProperties {
        var merged = self
        for (key, value) in other.entries { merged[key] = value }
        return merged
    }

    /// Throws if any of `keys` is set: settings the client relies on and does not let change.
    func refuse(_ keys: [String], reason: String) throws {
        for key in keys where self[key] != nil {
            throw KafkaError(operation: .configure, code: .invalidArgument,
                             message: "librdkafka property '\(key)' cannot be set: \(reason)")
        }
    }

    /// Whether a key holds a secret: passwords, private keys, OAuth client secrets and configs.
    public static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return lowered.contains("password") || lowered.contains("secret")
            || lowered == "ssl.key.pem" || lowered == "ssl_key" || lowered == "sasl.oauthbearer.config"
    }

    /// The value as it may be shown: secrets replaced by a marker.
    public func displayValue(of key: String) -> String? {
        guard let value = values[key] else { return nil }
        return Self.isSecret(key) ? "[redacted]" : value
    }

    /// `text` with every secret value it quotes replaced by the marker.
    func redacting(_ text: String) -> String {
        keys.filter(Self.isSecret).compactMap { values[$0] }.filter { !$0.isEmpty }
            .reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }

    public var description: String {
        keys.map { "\($0)=\(displayValue(of: $0)!)" }.joined(separator: ", ")
    }

    public var debugDescription: String { "KafkaProperties(\(description))" }

    /// What `dump` and debuggers show: the settings with secrets redacted, not the stored values.
    public var customMirror: Mirror {
        Mirror(self, unlabeledChildren: keys.map { "\($0)=\(displayValue(of: $0)!)" }, displayStyle: .collection)
    }

    public static func == (lhs: KafkaProperties, rhs: KafkaProperties) -> Bool {
        lhs.keys == rhs.keys && lhs.values == rhs.values
    }
}
