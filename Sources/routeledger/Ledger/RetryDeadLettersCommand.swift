import Foundation
import Ledger
import Pipeline
import Streams

/// `routeledger ledger retry-deadletters`: books the records the ledger stage dead-lettered for a
/// problem that is gone, such as a model priced since.
enum RetryDeadLettersCommand: Command {
    static let name = "retry-deadletters"
    static let summary = "book the decisions and usage reports the ledger refused, once their problem is gone"
    static let discussion = """
        Reads the dead-letter topic of --config from its start to its end, takes the ledger
        stage's letters of the --reason given, and writes the records they carry (decisions and
        usage reports, read again from the letters' raw bytes) to the ledger as the ledger stage
        would: each decision is priced at the prices in effect at its decision time and booked
        once, with the usage reports that waited for it. What is still refused is listed and left
        where it is. Booking is by decision id and report position, so running it again, or
        after it was killed, books nothing twice. A letter whose record was cut short (over
        64 KiB) or that carries no record (a report that waited for a decision that never came)
        cannot be healed this way and is listed.
        With --dry-run it only lists what it would try.
        The connection comes from --database, else the configuration's database.url, else
        $ROUTELEDGER_DATABASE_URL and the PG* environment variables.
        """
    static let options: [Option] = [
        .value("config", "FILE", "The run configuration: Kafka, topics and the ledger stage's group (required)."),
        DatabaseOption.option,
        .value("reason", "LIST", "Refusals to retry, comma-separated: unpriced_model, refused_by_database, duplicate_query (default unpriced_model)."),
        .value("wait", "SECONDS", "How long to read the dead-letter topic for (default 120)."),
        .flag("dry-run", "List the records that would be retried; write nothing."),
    ]

    /// Refusals a later state of the database can lift.
    static let healable: [EventRejection.Kind] = [.unpricedModel, .refusedByDatabase, .duplicateQuery]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        guard let file = arguments.string("config") else { throw UsageError("give --config FILE") }
        let reasons = try (arguments.string("reason") ?? EventRejection.Kind.unpricedModel.rawValue).split(separator: ",").map { word in
            let name = word.trimmingCharacters(in: .whitespaces)
            guard let kind = EventRejection.Kind(rawValue: name), healable.contains(kind) else {
                throw UsageError("option '--reason': '\(name)' cannot be healed by retrying (\(healable.map(\.rawValue).joined(separator: ", ")))")
            }
            return name
        }
        let wait = try arguments.int("wait", range: 1...86_400) ?? 120
        let configuration = try ConfigurationOption.load(file)

        let read = try LedgerDeadLetters.read(configuration: configuration, within: .seconds(wait))
        guard read.complete else {
            throw CommandFailure("\(configuration.topics.deadLetter) could not be read to its end within \(wait) s (--wait)")
        }
        // One try per refused record, however often it was refused.
        var seen: Set<RecordPosition> = []
        let letters = read.letters.filter { reasons.contains($0.record.errorKind) && seen.insert($0.record.source).inserted }
        var batch = LedgerBatch()
        var unhealable: [String] = []
        let names = configuration.modelNames
        for letter in letters {
            let source = letter.record.source
            guard let raw = Data(base64Encoded: letter.record.rawBase64), raw.count == letter.record.rawBytes, !raw.isEmpty else {
                unhealable.append("\(source): the letter at \(letter.position) does not carry the whole record")
                continue
            }
            do throws(EventRejection) {
                if source.topic == configuration.topics.decisions {
                    batch.decisions.append(try LedgerRecords.decision(raw, position: source, modelNames: names))
                } else {
                    batch.usage.append(try LedgerRecords.usage(raw, position: source, modelNames: names))
                }
            } catch {
                unhealable.append("\(source): \(error.message)")
            }
        }
        print("dead letters: \(letters.count) records refused as \(reasons.joined(separator: ", ")) by the ledger stage; "
              + "\(batch.decisions.count) decisions and \(batch.usage.count) usage reports to retry")
        for line in unhealable { print("cannot retry \(line)") }
        guard !arguments.flag("dry-run"), !batch.decisions.isEmpty || !batch.usage.isEmpty else { return unhealable.isEmpty ? 0 : 1 }

        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments, configuration: configuration), waitingUpTo: 0)
        // A group of its own that stores no offsets: the records sit below the ledger stage's
        // stored offsets, which would skip them as recorded.
        let writer = try LedgerWriter(connection: connection, consumerGroup: "\(configuration.ledger.groupID).retry")
        let summary = try writer.write(batch)
        print("booked: \(summary.decisionsRecorded) decisions, \(summary.usageRecorded) usage reports; "
              + "already in the ledger: \(summary.duplicateDecisions) decisions; still refused: \(summary.rejections.count)")
        for refusal in summary.rejections {
            print("still refused \(refusal.position): \(EventRejection.Kind(refusal.reason).rawValue): \(refusal.message)")
        }
        return summary.rejections.isEmpty && unhealable.isEmpty ? 0 : 1
    }
}
