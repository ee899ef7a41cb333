import Foundation
import Postgres

/// `routeledger bench postgres`: rows per second of the ways to write ledger-shaped rows,
/// measured against single-row INSERTs in the same run.
enum BenchPostgresCommand: Command {
    static let name = "postgres"
    static let summary = "time bulk writes to PostgreSQL: COPY, staged COPY, multi-row and single INSERTs"
    static let discussion = """
        Writes ledger-shaped rows (text ids, timestamps, token counts, numeric costs, Kafka
        coordinates) into a scratch table routeledger_bench_<pid>, created in the database and
        dropped at the end, in four ways: COPY; COPY into a temporary table then INSERT ... SELECT
        (how a role under row-level security loads in bulk); multi-row INSERTs of --batch rows;
        and single-row INSERTs of a prepared statement. Each way writes --rows rows in one
        transaction, once per round; rounds interleave the ways and the median is reported,
        with ratios against single-row INSERTs.
        """
    static let options: [Option] = [
        DatabaseOption.option,
        .value("rows", "N", "Rows per way and round (default 20000)."),
        .value("batch", "N", "Rows per multi-row INSERT (default 500)."),
        .value("rounds", "R", "Rounds (default 3)."),
        .flag("json", "Print one JSON object instead of text."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let rowCount = try arguments.int("rows", range: 1...10_000_000) ?? 20_000
        let batch = try arguments.int("batch", range: 1...(65_535 / columns.count)) ?? 500
        let rounds = try arguments.int("rounds", range: 1...100) ?? 3
        let json = arguments.flag("json")
        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments), waitingUpTo: 10)
        printStandardError("writing to \(connection)\n")

        let table = "routeledger_bench_\(ProcessInfo.processInfo.processIdentifier)"
        let quotedTable = try PostgresConnection.quoteIdentifier(table)
        try connection.executeScript("""
            CREATE TABLE \(quotedTable) (
                decision_id text NOT NULL UNIQUE, tenant text NOT NULL, model text NOT NULL,
                decided_at timestamptz NOT NULL, input_tokens integer NOT NULL, output_tokens integer NOT NULL,
                cost numeric(20, 6) NOT NULL, reference_cost numeric(20, 6) NOT NULL,
                kafka_topic text NOT NULL, kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL)
            """)
        defer { try? connection.executeScript("DROP TABLE \(quotedTable)") }

        let writer = BenchWriter(connection: connection, table: table, quotedTable: quotedTable, batch: batch)
        var rates: [Way: [Double]] = [:]
        var first = 0
        for _ in 0..<rounds {
            let rows = (first..<(first + rowCount)).map(row)
            first += rowCount
            for way in Way.allCases {
                try connection.executeScript("TRUNCATE \(quotedTable)")
                let started = ContinuousClock.now
                try connection.transaction { try writer.write(rows, way) }
                rates[way, default: []].append(Double(rowCount) / (ContinuousClock.now - started).seconds)
            }
            let written = try connection.query("SELECT count(*) AS written FROM \(quotedTable)")[0].decode(Int.self, column: "written")
            guard written == rowCount else {
                throw CommandFailure("the last way wrote \(written) rows instead of \(rowCount)")
            }
        }
        func median(_ way: Way) -> Double {
            let sorted = rates[way, default: []].sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
                : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        let single = median(.singleInsert)
        var figures: [(String, Any)] = [("rows", rowCount), ("batch", batch), ("rounds", rounds)]
        figures += Way.allCases.map { ("\($0.rawValue)_rows_per_second", median($0)) as (String, Any) }
        figures += Way.allCases.filter { $0 != .singleInsert }.map {
            ("\($0.rawValue)_vs_single_insert", median($0) / single) as (String, Any)
        }
        printFigures(figures, json: json)
        return 0
    }

    enum Way: String, CaseIterable {
        case copy
        case stagedCopy = "staged_copy"
        case multiRowInsert = "multi_row_insert"
        case singleInsert = "single_insert"
    }

    static let columns = ["decision_id", "tenant", "model", "decided_at", "input_tokens", "output_tokens", "cost",
                          "reference_cost", "kafka_topic", "kafka_partition", "kafka_offset"]

    /// Row `n`: the shape of a ledger row, with values that vary.
    static func row(_ n: Int) -> [PostgresValue] {
        [.text("decision-\(n)-\(UUID().uuidString)"), .text("tenant-\(n % 17)"), .text(n % 3 == 0 ? "gpt-4" : "mixtral"),
         .timestamptz(PostgresTimestamp(microsecondsSince2000: 762_566_400_000_000 + Int64(n) * 1_000)),
         .integer(Int32(50 + n % 900)), .integer(Int32(100 + n % 700)),
         .numeric(PostgresNumeric(units: Int64(n % 5_000), scale: 6)),
         .numeric(PostgresNumeric(units: Int64(n % 90_000), scale: 6)),
         .text("llm.decisions"), .integer(Int32(n % 12)), .bigint(Int64(n))]
    }
}

/// Writes rows one way, on one connection, into the scratch table.
private struct BenchWriter {
    let connection: PostgresConnection
    let table: String
    let quotedTable: String
    let batch: Int

    func write(_ rows: [[PostgresValue]], _ way: BenchPostgresCommand.Way) throws {
        let columns = BenchPostgresCommand.columns
        let columnList = columns.joined(separator: ", ")
        switch way {
        case .copy:
            try connection.copy(into: table, columns: columns, rows: rows)
        case .stagedCopy:
            try connection.executeScript("""
                CREATE TEMPORARY TABLE bench_staged ON COMMIT DROP AS SELECT \(columnList) FROM \(quotedTable) WITH NO DATA
                """)
            try connection.copy(into: "bench_staged", columns: columns, rows: rows)
            try connection.execute("INSERT INTO \(quotedTable) (\(columnList)) SELECT \(columnList) FROM bench_staged")
        case .multiRowInsert:
            for start in stride(from: 0, to: rows.count, by: batch) {
                let chunk = rows[start..<min(start + batch, rows.count)]
                let statement = try connection.prepare(insert(rowCount: chunk.count))
                try connection.execute(statement, Array(chunk.joined()))
            }
        case .singleInsert:
            let statement = try connection.prepare(insert(rowCount: 1))
            for row in rows {
                try connection.execute(statement, row)
            }
        }
    }

    /// `INSERT … VALUES ($1, …, $11), ($12, …)`: placeholders only, the values go as parameters.
    private func insert(rowCount: Int) -> String {
        let width = BenchPostgresCommand.columns.count
        let tuples = (0..<rowCount).map { row in
            "(" + (1...width).map { "$\(row * width + $0)" }.joined(separator: ", ") + ")"
        }
        return "INSERT INTO \(quotedTable) (\(BenchPostgresCommand.columns.joined(separator: ", "))) VALUES "
            + tuples.joined(separator: ", ")
    }
}
