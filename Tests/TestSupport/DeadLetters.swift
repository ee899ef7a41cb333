import Foundation
import Kafka

/// What a stage sent to its dead-letter topic, for the tests to check reasons against.
public enum DeadLetters {
    /// A dead letter that is not the JSON object of schemas/deadletter.v1.json.
    public struct NotADeadLetter: Error {}

    /// The first `count` dead letters on `topic`, each as `error_kind: message` under where its
    /// record was read, `topic@offset`.
    public static func read(_ topic: String, broker: TestKafkaBroker, count: Int) throws -> [String: String] {
        var letters: [String: String] = [:]
        for letter in try RouteStageHarness.readAll(topic, broker: broker, count: count) {
            guard let object = try JSONSerialization.jsonObject(with: letter.value) as? [String: Any],
                  let source = object["source"] as? [String: Any], let kind = object["error_kind"], let message = object["message"]
            else { throw NotADeadLetter() }
            letters["\(source["topic"] ?? "")@\(source["offset"] ?? "")"] = "\(kind): \(message)"
        }
        return letters
    }
}
