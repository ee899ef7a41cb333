import Foundation
import Ledger
import Pipeline

/// `routeledger soak`: the whole pipeline at a steady rate for a long time, watching memory,
/// lag and errors, ending with a verdict.
enum SoakCommand: Command {
    static let name = "soak"
    static let summary = "run the whole pipeline at a steady rate for a long time and check it stays healthy"
    static let discussion = """
        Starts what `routeledger demo` starts (a private PostgreSQL cluster in --workdir, an
        embedded broker, the route, learn and ledger stages over a synthetic battle memory), then
        for --minutes produces --rate query events a second (every 50th malformed), in rounds of
        --sample-seconds: simulated workers answer each round with usage reports and users vote
        on one answer in ten. After every round it prints one line: queries so far, the round's
        time against its length, the process's resident memory, the consumer lag of each stage
        (from the metrics) and the ledger's backlog. At the end it waits for the ledger to catch
        up and prints a verdict: memory flat (the last third of the run's peak resident memory at
        most 10 % above the first third's), lag bounded (no round slower than twice its length,
        and the backlog at the end drained), no error (every query decided, only the planted
        malformed events dead-lettered, the ledger's money equal to the usage reports' to the
        micro-dollar). Exit status 0 when all three hold, 1 otherwise.
        """
    static let options: [Option] = EmbedderChoice.options + [
        .value("minutes", "M", "How long to run (default 30)."),
        .value("rate", "N", "Query events per second (default 100)."),
        .value("sample-seconds", "S", "Length of a round, between two samples (default 10)."),
        .value("battles", "N", "Battles in the memory (default 3000)."),
        .value("workdir", "DIR", "Where the database is kept (default: a new temporary folder)."),
        .flag("json", "Print the samples and the verdict as one JSON object at the end."),
    ]

    struct Sample {
        let seconds: Double
        let queries: Int
        let roundSeconds: Double
        let residentBytes: Int
        let lag: [String: Double]
        let ledgerBacklog: Int
    }

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let minutes = try arguments.double("minutes", range: 0.1...10_080) ?? 30
        let rate = try arguments.int("rate", range: 1...100_000) ?? 100
        let round = try arguments.double("sample-seconds", range: 1...3_600) ?? 10
        let battles = try arguments.int("battles", range: 10...1_000_000) ?? 3_000
        let choice = try EmbedderChoice.parse(arguments)
        let workdir = try PipelineSandbox.workFolder(arguments, name: "soak")
        let embedder = try choice.load(arguments, batchSize: 32)
        let sandbox = try PipelineSandbox(workdir: workdir, battles: DemoSource.synthetic(battles: battles, queries: 0, seed: 1).battles,
                                          embedder: choice, embedder: embedder, strongShare: 0.4, refitEveryVotes: 200,
                                          maxBattles: battles + 2_000)
        defer { sandbox.stop() }
        let workers = try DemoWorkers(configuration: sandbox.configuration)

        let started = ContinuousClock.now
        var samples: [Sample] = []
        // Running sums only: the soak must not grow with the run itself.
        var decided = 0
        var usageReports = 0
        var votes = 0
        var cost = MicroUSD.zero
        var reference = MicroUSD.zero
        var malformed = 0
        var produced = 0
        var roundNumber = 0
        while (ContinuousClock.now - started).seconds < minutes * 60 {
            roundNumber += 1
            let roundStarted = ContinuousClock.now
            let perRound = max(1, Int(Double(rate) * round))
            let queries = DemoSource.synthetic(battles: 0, queries: perRound, seed: UInt64(roundNumber) + 1).queries
                .map { DemoQuery(id: "r\(roundNumber)-\($0.id)", tenant: $0.tenant, prompt: $0.prompt, group: $0.group,
                                 strongIsGood: $0.strongIsGood, weakIsGood: $0.weakIsGood, outputTokens: $0.outputTokens) }
            // Spread over the round in tenths, for a steady rate rather than one burst.
            var good: [String: DemoQuery] = [:]
            for (tenth, start) in stride(from: 0, to: queries.count, by: max(1, queries.count / 10)).enumerated() {
                let slice = Array(queries[start..<min(start + max(1, queries.count / 10), queries.count)])
                good.merge(try sandbox.replay(slice, firstIndex: produced + start)) { $1 }
                let due = roundStarted + .milliseconds(Int(round * 100) * (tenth + 1))
                if ContinuousClock.now < due { Thread.sleep(forTimeInterval: (due - ContinuousClock.now).seconds) }
            }
            malformed += queries.count - good.count
            produced += queries.count
            let outcome = try workers.answer(good, progress: ProgressBar(label: "round \(roundNumber)", unit: "queries"))
            decided += outcome.decisions.count
            usageReports += outcome.usage.count
            votes += outcome.votes
            let costs = outcome.costs(sandbox.configuration)
            cost = cost + costs.cost
            reference = reference + costs.reference
            let ledgerRows = Int(try AuditQuery().run(on: sandbox.connection).total.requestsWithUsage)
            let sample = Sample(seconds: (ContinuousClock.now - started).seconds, queries: produced,
                                roundSeconds: (ContinuousClock.now - roundStarted).seconds, residentBytes: residentBytes(),
                                lag: Dictionary(uniqueKeysWithValues: ["route", "learn", "ledger"].map {
                                    ($0, sandbox.metrics.total(.consumerLag, matching: ["stage": $0]))
                                }),
                                ledgerBacklog: usageReports - ledgerRows)
            samples.append(sample)
            printStandardError(String(format: "%6.0f s  %8d queries  round %5.1f s of %.0f  rss %6.1f MiB  lag route %.0f learn %.0f ledger %.0f  ledger backlog %d\n",
                                      sample.seconds, sample.queries, sample.roundSeconds, round, Double(sample.residentBytes) / 1_048_576,
                                      sample.lag["route"] ?? 0, sample.lag["learn"] ?? 0, sample.lag["ledger"] ?? 0, sample.ledgerBacklog))
        }
        try sandbox.waitForTheLedger(usageReports: usageReports)

        let verdict = Verdict(samples: samples, round: round, decided: decided, votes: votes, cost: cost, reference: reference,
                              produced: produced, malformed: malformed,
                              deadLetters: sandbox.route.counters.snapshot().rejected.values.reduce(0, +),
                              audit: try AuditQuery().run(on: sandbox.connection).total)
        verdict.print(json: arguments.flag("json"))
        return verdict.passed ? 0 : 1
    }

    /// Resident memory of this process (VmRSS).
    private static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1_024
    }

    struct Verdict {
        let samples: [Sample]
        let round: Double
        let decided: Int
        let votes: Int
        /// The workers' usage reports priced at the chosen and at the strong model.
        let cost: MicroUSD
        let reference: MicroUSD
        let produced: Int
        let malformed: Int
        let deadLetters: Int
        let audit: AuditTotals

        /// Peak resident memory of the first and last thirds of the samples.
        var memory: (first: Int, last: Int) {
            let third = max(1, samples.count / 3)
            return (samples.prefix(third).map(\.residentBytes).max() ?? 0, samples.suffix(third).map(\.residentBytes).max() ?? 0)
        }
        var memoryFlat: Bool { Double(memory.last) <= 1.1 * Double(memory.first) }
        var slowestRound: Double { samples.map(\.roundSeconds).max() ?? 0 }
        var lagBounded: Bool { slowestRound <= 2 * round }
        /// The ledger's money against the same sums from the workers' usage reports.
        var ledgerAgrees: Bool { cost == audit.cost && reference == audit.referenceCost && audit.requests == Int64(decided) }
        var noError: Bool { decided == produced - malformed && deadLetters == malformed && ledgerAgrees }
        var passed: Bool { memoryFlat && lagBounded && noError }

        func print(json: Bool) {
            let figures: [(String, Any)] = [
                ("queries", produced), ("decisions", decided), ("dead_lettered", deadLetters),
                ("planted_malformed", malformed), ("votes", votes), ("ledger_rows", audit.requests),
                ("savings_usd", audit.savings.description), ("ledger_agrees_with_the_usage_reports", ledgerAgrees),
                ("rss_first_third_peak_mib", Double(memory.first) / 1_048_576), ("rss_last_third_peak_mib", Double(memory.last) / 1_048_576),
                ("slowest_round_seconds", slowestRound), ("round_seconds", round),
                ("max_lag_route", samples.map { $0.lag["route"] ?? 0 }.max() ?? 0),
                ("max_lag_ledger", samples.map { $0.lag["ledger"] ?? 0 }.max() ?? 0),
                ("max_ledger_backlog", samples.map(\.ledgerBacklog).max() ?? 0),
                ("memory_flat", memoryFlat), ("lag_bounded", lagBounded), ("no_error", noError), ("passed", passed),
            ]
            printFigures(figures, json: json)
        }
    }
}
