import Foundation
import Kafka
import Pipeline

/// `routeledger produce`: sends events from a JSON Lines file to a topic, each checked first
/// by the parser the stages read its schema with.
enum ProduceCommand: Command {
    static let name = "produce"
    static let summary = "send JSON Lines events to a Kafka topic, each checked by the stages' own parsers first"
    static let positionalUsage = "[FILE]"
    static let discussion = """
        Reads events, one JSON object per line, from FILE (or standard input when FILE is absent
        or -) and sends each line, byte for byte, as one record to --topic. Blank lines are
        ignored. Unless --raw, every line is first parsed as the stage reading it would, by the
        parser its "schema" field names (see schemas/):
        \(InputEvent.schemas.joined(separator: ", ")).
        With --config, query events are also held to the configured models and
        max_prompt_bytes. The whole input is checked before anything is sent: a line that
        fails is reported with its line number and the parser's reason, and then nothing is
        sent (exit status 1), unless --skip-invalid, which sends the other lines (exit status
        still 1). --key builds each record's key from fields of the event, joined by ':'.
        Records are sent with the idempotent producer and every delivery is waited for: a
        record not delivered is an error (exit status 1). Progress and a summary (sent,
        refused) go to standard error. Kafka settings come from --config or --bootstrap-servers,
        one of them; secrets are never printed.
        """
    static let options: [Option] = [
        TopicOption.option("The topic to send to (required)."),
        .value("key", "FIELD[:FIELD...]", "Each record's key: these fields of the event joined by ':', e.g. tenant:id (default: no key)."),
        .flag("raw", "Send the lines without checking them as events (with --key, each must still be a JSON object)."),
        .flag("skip-invalid", "Send the lines that pass and report the others, instead of sending nothing."),
    ] + KafkaSettingsOption.options

    /// Beyond this a line is refused unread (Kafka's default record limit is about 1 MB).
    static let maximumLineBytes = 16 << 20

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        let files = try arguments.positionals(atMost: 1)
        let topic = try TopicOption.value(arguments)
        let keyFields = try arguments.string("key").map(EventLineCheck.keyFields)
        let kafka = try KafkaSettingsOption(arguments)
        let check = EventLineCheck(keyFields: keyFields, checksEvents: !arguments.flag("raw"),
                                   limits: QueryEvent.Limits(maxPromptBytes: kafka.configuration?.maxPromptBytes ?? QueryEvent.Limits().maxPromptBytes),
                                   knownModels: kafka.configuration?.modelNames)

        var reader = try LineReader(path: files.first, maximumLineBytes: maximumLineBytes)
        var records: [EventLineCheck.Record] = []
        var refused = 0
        var number = 0
        while let line = try reader.next() {
            number += 1
            do {
                switch line {
                case .tooLong:
                    throw EventLineCheck.Refusal(description: "longer than \(maximumLineBytes >> 20) MiB")
                case .bytes(let bytes) where bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }):
                    continue
                case .bytes(let bytes):
                    records.append(try check.record(bytes))
                }
            } catch {
                printStandardError("produce: line \(number): \(error)\n")
                refused += 1
            }
        }
        if refused > 0 && !arguments.flag("skip-invalid") {
            printStandardError("produce: nothing sent to \(topic): \(refused) of \(records.count + refused) events refused (--skip-invalid sends the others)\n")
            return 1
        }
        let failures = try send(records, to: topic, producer: try KafkaProducer(configuration: kafka.producer()))
        printStandardError("produce: \(records.count - failures.count) sent to \(topic), \(refused) refused"
                           + (failures.isEmpty ? "\n" : ", \(failures.count) not delivered\n"))
        try failures.requireDelivered()
        return refused > 0 ? 1 : 0
    }

    /// Sends every record and waits for all their delivery reports; returns those that failed.
    private static func send(_ records: [EventLineCheck.Record], to topic: String, producer: KafkaProducer) throws -> [KafkaDeliveryReport] {
        let progress = ProgressBar(label: "produce", unit: "records")
        var reported = 0
        var failures: [KafkaDeliveryReport] = []
        func collect(_ reports: [KafkaDeliveryReport]) {
            reported += reports.count
            failures += reports.filter { !$0.isDelivered }
            progress.update(done: reported, total: records.count)
        }
        for record in records {
            try producer.send(topic: topic, key: record.key, value: record.value)
            collect(producer.deliveryReports())
        }
        // librdkafka reports every message by message.timeout.ms, delivered or not, so this ends.
        while reported < records.count {
            do {
                collect(try producer.flush(timeout: .seconds(1)))
            } catch let error as KafkaError where error.code == .timedOut {
                collect(producer.deliveryReports())
            }
        }
        return failures
    }
}
