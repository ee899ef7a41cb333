import Foundation
import Kafka
import Ledger
import Pipeline
import Postgres
import Streams

/// `routeledger bench ledger`: ledger rows per second through the ledger stage — Kafka in,
/// parse, price, write rows and offsets in one transaction — against the ledger writer alone
/// on the same records, in the same run.
enum BenchLedgerCommand: Command {
    static let name = "ledger"
    static let summary = "time the ledger stage: rows per second into PostgreSQL"
    static let discussion = """
        Makes --decisions decision records and a usage report for each, then, each on a scratch
        database of its own on the server of --database (migrated, dropped at the end):
        the baseline, the ledger writer alone writing them in batches of --batch records, each
        decision in the batch of its report (what a batch costs in PostgreSQL: staging COPY,
        pricing, the ledger insert, the offsets — one transaction each); then the ledger stage
        reading the same records from an embedded broker, pairing decisions with their reports
        for --pairing-window-ms. A ledger row counts when its decision and its usage are both
        recorded. The stage's clock starts at its first recorded row (group join excluded).
        """
    static let options: [Option] = [
        DatabaseOption.option,
        .value("decisions", "N", "Decisions, each with a usage report (default 50000)."),
        .value("batch", "N", "Records per batch (default \(RouteLedgerConfiguration().ledger.batchRecords), as ledger.batch_records)."),
        .value("partitions", "N", "Partitions of each topic on the embedded broker (default 16)."),
        .value("pairing-window-ms", "MS", "The stage's ledger.pairing_window_ms (default 5000); 0: nothing waits, and a report outside its decision's batch updates the row."),
        .flag("json", "Print one JSON object instead of text."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let count = try arguments.int("decisions", range: 1...10_000_000) ?? 50_000
        var configuration = RouteLedgerConfiguration()
        let batch = try arguments.int("batch", range: 2...100_000) ?? configuration.ledger.batchRecords
        let partitions = try arguments.int("partitions", range: 1...1_000) ?? 16
        let pairingWindow = try arguments.int("pairing-window-ms", range: 0...3_600_000)
        let server = try DatabaseOption.settings(arguments)
        configuration.models = [
            .init(name: "strong", price: TokenPrice(inputPerMillion: MicroUSD(dollars: "10")!, outputPerMillion: MicroUSD(dollars: "30")!)),
            .init(name: "weak", price: TokenPrice(inputPerMillion: MicroUSD(dollars: "0.24")!, outputPerMillion: MicroUSD(dollars: "0.24")!)),
        ]
        configuration.ledger.batchRecords = batch
        configuration.ledger.pairingWindowMilliseconds = pairingWindow ?? configuration.ledger.pairingWindowMilliseconds
        configuration.ledger.groupID = "bench-ledger"
        let records = (0..<count).map { index in (decision: decisionRecord(index), usage: usageRecord(index)) }

        printStandardError("writing \(count) decisions and their usage with the ledger writer alone\n")
        var writerSeconds = 0.0
        try BenchHarness.withScratchDatabase(on: server) { database in
            let connection = try PostgresConnection(database)
            try PriceBook.record(configured: configuration.models.map { ($0.name, $0.price) }, on: connection)
            let writer = try LedgerWriter(connection: connection, consumerGroup: "bench-writer")
            let started = ContinuousClock.now
            // Each batch: half decisions, half their usage, with the offsets after it.
            for start in stride(from: 0, to: count, by: batch / 2) {
                let end = min(start + batch / 2, count)
                var ledgerBatch = LedgerBatch()
                for index in start..<end {
                    ledgerBatch.decisions.append(try LedgerRecords.decision(records[index].decision, position: position("d", index)))
                    ledgerBatch.usage.append(try LedgerRecords.usage(records[index].usage, position: position("u", index)))
                }
                ledgerBatch.nextOffsets = [position("d", end), position("u", end)]
                try writer.write(ledgerBatch)
            }
            writerSeconds = (ContinuousClock.now - started).seconds
        }

        printStandardError("producing \(count) decisions and their usage to an embedded broker\n")
        let broker = try EmbeddedBroker(partitions: partitions, topics: [configuration.topics.decisions, configuration.topics.usage,
                                                                          configuration.topics.deadLetter])
        configuration.use(broker)
        configuration.kafka.consumerProperties = ["session.timeout.ms": "4000", "heartbeat.interval.ms": "1000"]
        let producer = try KafkaProducer(configuration: configuration.kafkaProducer())
        for (index, record) in records.enumerated() {
            let key = Data("q\(index)".utf8)
            try producer.send(topic: configuration.topics.decisions, key: key, value: record.decision)
            try producer.send(topic: configuration.topics.usage, key: key, value: record.usage)
        }
        try producer.flush(timeout: .seconds(600)).requireDelivered()

        printStandardError("running the ledger stage\n")
        var stageRows = 0
        var stageSeconds = 0.0
        var stagePaired = 0
        try BenchHarness.withScratchDatabase(on: server) { database in
            let shutdown = ShutdownSignal(signals: [])
            let stage = try StageAssembly(configuration: configuration, database: database, shutdown: shutdown,
                                          log: StageLog(component: "bench", minimumLevel: .warning)).ledgerStage()
            let finished = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                do { try stage.run() } catch { printStandardError("ledger stage failed: \(error)\n") }
                finished.signal()
            }
            defer {
                shutdown.request(reason: "benchmark over")
                finished.wait()
            }
            guard Polling.until(timeout: .seconds(120), { stage.counters.snapshot().rowsRecorded > 0 }) else {
                throw CommandFailure("the ledger stage recorded nothing in 120 s")
            }
            let first = stage.counters.snapshot().usageRecorded
            let started = ContinuousClock.now
            guard Polling.whileProgressing(to: count, stallTimeout: .seconds(60), { stage.counters.snapshot().usageRecorded }) >= count
            else {
                throw CommandFailure("the ledger stage recorded \(stage.counters.snapshot().usageRecorded) of \(count) rows, then nothing for 60 s")
            }
            stageSeconds = (ContinuousClock.now - started).seconds
            stageRows = count - first
            stagePaired = stage.counters.snapshot().usageWithDecision
            let connection = try PostgresConnection(database)
            let rows = try connection.query("SELECT count(*) AS with_usage FROM ledger WHERE actual_cost IS NOT NULL")[0]
                .decode(Int.self, column: "with_usage")
            guard rows == count else { throw CommandFailure("the ledger holds \(rows) rows with usage, not \(count)") }
        }
        let writerRate = Double(count) / writerSeconds
        let stageRate = Double(stageRows) / stageSeconds
        printFigures([
            ("decisions", count),
            ("batch_records", batch),
            ("stage_rows_per_second", stageRate),
            ("stage_records_per_second", 2 * stageRate),
            ("stage_usage_with_decision_fraction", Double(stagePaired) / Double(count)),
            ("stage_pairing_window_ms", configuration.ledger.pairingWindowMilliseconds),
            ("writer_alone_rows_per_second", writerRate),
            ("ratio_to_writer_alone", stageRate / writerRate),
        ], json: arguments.flag("json"))
        return 0
    }

    private static func position(_ topic: String, _ offset: Int) -> RecordPosition {
        RecordPosition(topic: topic, partition: 0, offset: Int64(offset))
    }

    private static func decisionRecord(_ index: Int) -> Data {
        let model = index % 3 == 0 ? "strong" : "weak"
        return Data("""
            {"schema":"routeledger.decision.v1","decision_id":"d\(index)","query_id":"q\(index)","tenant":"tenant-\(index % 20)",\
            "model":"\(model)","reference_model":"strong","candidates":[{"model":"weak","reference_win_rate":0.42},\
            {"model":"strong","reference_win_rate":0.5}],"threshold":0.5,"router_kind":"sw_ranking","router_version":"bench",\
            "decided_at":"2026-11-24T10:00:00Z","estimated_input_tokens":400,"estimated_output_tokens":256}
            """.utf8)
    }

    private static func usageRecord(_ index: Int) -> Data {
        let model = index % 3 == 0 ? "strong" : "weak"
        return Data("""
            {"schema":"routeledger.usage.v1","query_id":"q\(index)","tenant":"tenant-\(index % 20)","model":"\(model)",\
            "decision_id":"d\(index)","input_tokens":\(300 + index % 200),"output_tokens":\(100 + index % 400),\
            "completed_at":"2026-11-24T10:00:05Z"}
            """.utf8)
    }
}
