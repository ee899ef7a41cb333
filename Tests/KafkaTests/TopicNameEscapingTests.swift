import Kafka
import Testing

/// `KafkaTopicName.escaped` writes any text as a legal topic name, and `unescaped` gives the
/// text back.
@Suite struct TopicNameEscapingTests {
    static let names = [
        "mixtral-8x7b-instruct-v0.1", "mistralai/Mixtral-8x7B-Instruct-v0.1", "claude_3", "org:model@2024", "a model with spaces",
        "модель", "日本語モデル", "emoji 🚀", "_", "_5f", "__2f", "a_2", "a_2/", "_ab_", "_AB", "%2F", "a..b", ".", "",
    ]

    @Test(arguments: names) func escapingIsUndoneByUnescaping(name: String) {
        let topic = KafkaTopicName.escaped(name)
        #expect(KafkaTopicName.unescaped(topic) == name, "\(name) → \(topic)")
        if !name.isEmpty && name != "." { #expect(KafkaTopicName.problem(with: "llm.route." + topic) == nil, "\(topic)") }
    }

    /// Topics named before the escape existed keep their names.
    @Test func aNameKafkaAllowsIsKept() {
        for name in ["mixtral-8x7b-instruct-v0.1", "gpt-4-1106-preview", "claude_3", "a_2", "_AB", "v1.2-beta_x"] {
            #expect(KafkaTopicName.escaped(name) == name)
        }
    }

    @Test func charactersKafkaRefusesBecomeAnUnderscoreAndTwoHexDigitsPerByte() {
        #expect(KafkaTopicName.escaped("mistralai/Mixtral-8x7B-Instruct-v0.1") == "mistralai_2fMixtral-8x7B-Instruct-v0.1")
        #expect(KafkaTopicName.escaped("a b:c") == "a_20b_3ac")
        #expect(KafkaTopicName.escaped("é") == "_c3_a9")
        // An underscore that would read as an escape is escaped itself.
        #expect(KafkaTopicName.escaped("_2f") == "_5f2f")
    }

    @Test func escapesThatDoNotSpellUTF8AreRefused() {
        #expect(KafkaTopicName.unescaped("_c3") == nil)
        #expect(KafkaTopicName.unescaped("_ff_fe") == nil)
    }
}
