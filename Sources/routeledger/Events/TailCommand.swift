import Foundation
import Kafka
import Streams

/// `routeledger tail`: prints the records of a topic with where each lies and its key.
enum TailCommand: Command {
    static let name = "tail"
    static let summary = "print the records of a Kafka topic with their partition, offset and key"
    static let discussion = """
        Reads --topic and prints every record on standard output: with --format pretty (the
        default) a line 'partition 2 offset 17 key acme:q1' and the value below it, as indented
        JSON (or as text when it is not JSON); with --format raw one JSON object per line,
        {"partition":…,"offset":…,"key":…,"value":…}, the value being the event as JSON, or a
        string when it is not JSON, and the key a string or null.
        Without --group it reads in a new consumer group of its own and commits nothing; with
        --group it reads in that group, from its committed offsets, and commits what it printed.
        A partition without a committed offset starts at its end (only new records), or at its
        beginning with --from-beginning. Only committed transactional records are read.
        It stops after --count records, after --timeout seconds without a new record (counted
        from when the group assigns its partitions: joining a new group takes a few seconds;
        at most 60 s of waiting for them are not counted), or on SIGINT or SIGTERM, and then
        prints how many records it printed on standard error. Kafka settings come from
        --config or --bootstrap-servers, one of them; secrets are never printed.
        """
    static let options: [Option] = [
        TopicOption.option("The topic to read (required)."),
        .flag("from-beginning", "Start partitions without a committed offset at their beginning instead of their end."),
        .value("group", "G", "Read in this consumer group and commit what is printed (default: a new group, nothing committed)."),
        .value("count", "N", "Stop after N records (default: no limit)."),
        .value("format", "pretty|raw", "Output format (default pretty)."),
        .value("timeout", "SECONDS", "Stop after this long without a new record (default: wait for ever)."),
    ] + KafkaSettingsOption.options

    /// How long the wait for the group's assignment goes uncounted by --timeout.
    /// (A group that had members waits a session timeout, 45 s by default, on the embedded broker.)
    static let joinAllowance: Duration = .seconds(60)

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let topic = try TopicOption.value(arguments)
        let count = try arguments.int("count", range: 1...Int.max)
        let format = try RecordFormat(rawValue: arguments.choice("format", from: RecordFormat.allCases.map(\.rawValue)) ?? "pretty")!
        let timeout = try arguments.double("timeout", range: 0.001...31_536_000).map { Duration.milliseconds(Int64($0 * 1_000)) }
        let kafka = try KafkaSettingsOption(arguments)
        let group = arguments.string("group")
        var configuration = kafka.consumer(group: group ?? "routeledger-tail-\(UUID().uuidString.prefix(8).lowercased())")
        configuration.startFromEarliest = arguments.flag("from-beginning")

        // Listen before joining, so a stop asked for during the join is not lost.
        let shutdown = ShutdownSignal()
        let consumer = try KafkaConsumer(configuration: configuration)
        try consumer.subscribe(topics: [topic])
        let clock = ContinuousClock()
        let started = clock.now
        var assignedAt: ContinuousClock.Instant?
        var lastRecordAt: ContinuousClock.Instant?
        var printed = 0
        var stopReason = "count reached"
        while count.map({ printed < $0 }) ?? true {
            if let reason = shutdown.reason {
                stopReason = reason
                break
            }
            let batch = try consumer.poll(maxMessages: min(500, (count ?? .max) - printed), timeout: .milliseconds(200))
            if assignedAt == nil, try !consumer.assignment().isEmpty { assignedAt = clock.now }
            guard !batch.isEmpty else {
                let idleSince = lastRecordAt ?? assignedAt ?? started + joinAllowance
                if let timeout, clock.now - idleSince >= timeout {
                    stopReason = "no record for \(arguments.string("timeout") ?? "") s"
                    break
                }
                continue
            }
            var output = ""
            for message in batch { output += format.render(message) }
            FileHandle.standardOutput.write(Data(output.utf8))
            printed += batch.count
            lastRecordAt = clock.now
            if group != nil { try consumer.commit(KafkaTopicPartitionOffset.committing(batch)) }
        }
        try consumer.close()
        printStandardError("tail: \(printed) printed from \(topic) (\(stopReason))\n")
        return 0
    }
}
