import Foundation
import Ledger
import Pipeline

/// `routeledger demo`: the whole pipeline on one machine with nothing to install beyond
/// ops/setup.sh — a private PostgreSQL cluster, an embedded Kafka-protocol broker, a battle memory
/// with a known ground truth, the route, learn and ledger stages, simulated LLM workers that report
/// usage, users who vote, and some malformed events — ending with what routing cost and saved,
/// whether it followed the ground truth, and the cost-quality plot.
enum DemoCommand: Command {
    static let name = "demo"
    static let summary = "run RouteLedger end to end on a synthetic workload (private PostgreSQL, embedded broker)"
    /// Refit after this many votes, so a short run sees its ratings move.
    static let refitEveryVotes = 20
    static let discussion = """
        By default everything runs on SYNTHETIC data (see SyntheticWorkload.swift): six topics of
        prompts, each with a known probability that the strong model beats the weak one. With
        --data DIR it takes RouteLLM's MMLU answers from DIR/routellm-mmlu/responses instead
        (the layout of ../shared/data): --battles questions become battles, the next --queries
        the query stream, and quality is MMLU accuracy.
        Starts a private PostgreSQL cluster in --workdir (ops/pg-cluster.sh, socket only) and an
        embedded broker, stores the battles in PostgreSQL, runs the route stage (following the
        database), the learn stage and the ledger stage, replays the queries (every 50th
        malformed, to show the dead-letter topic), lets simulated LLM workers answer every routed
        query with a usage report and users vote on one answer in ten (every 20th vote
        malformed), waits until the router holds every vote and the ledger every decision with
        its usage, prints the audit summary from the ledger, writes the cost-quality plot (SVG) and stops everything it started.
        """
    static let options: [Option] = EmbedderChoice.options + [
        .value("battles", "N", "Battles in the memory (default 3000)."),
        .value("queries", "N", "Query events to replay (default 2000)."),
        .value("strong-share", "S", "Share of traffic calibrated to go to the strong model (default 0.4)."),
        .value("data", "DIR", "Use RouteLLM's MMLU answers under DIR/routellm-mmlu instead of the synthetic workload."),
        .value("workdir", "DIR", "Where the database and the plot are written (default: a new temporary folder)."),
        .value("plot", "FILE", "Where the cost-quality plot goes (default WORKDIR/cost-quality.svg)."),
        .value("seed", "N", "Seed of the workload (default 1)."),
        .flag("json", "Print the summary as one JSON object."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let battleCount = try arguments.int("battles", range: 10...1_000_000) ?? 3_000
        let queryCount = try arguments.int("queries", range: 1...1_000_000) ?? 2_000
        let share = try arguments.double("strong-share", range: 0...1) ?? 0.4
        let seed = UInt64(try arguments.int("seed", range: 0...Int.max) ?? 1)
        let choice = try EmbedderChoice.parse(arguments)
        let workdir = try PipelineSandbox.workFolder(arguments, name: "demo")
        let plotURL = arguments.string("plot").map(URL.init(fileURLWithPath:)) ?? workdir.appendingPathComponent("cost-quality.svg")

        let source = try arguments.string("data").map {
            try DemoSource.mmlu(directory: URL(fileURLWithPath: $0), battles: battleCount, queries: queryCount, seed: seed)
        } ?? DemoSource.synthetic(battles: battleCount, queries: queryCount, seed: seed)
        printStandardError("data: \(source.description)\n\(BLASKernel.description)\n")
        let embedder = try choice.load(arguments, batchSize: 32)
        let sandbox = try PipelineSandbox(workdir: workdir, battles: source.battles, embedder: choice, embedder: embedder,
                                          strongShare: share, refitEveryVotes: Self.refitEveryVotes)
        defer { sandbox.stop() }

        let queries = try sandbox.replay(source.queries)
        let outcome = try DemoWorkers(configuration: sandbox.configuration)
            .answer(queries, progress: ProgressBar(label: "routing and answering", unit: "queries"))
        try sandbox.waitUntil("the learn stage takes in every vote", done: {
            let counters = sandbox.learn.counters.snapshot()
            return counters.stored + counters.rejected.values.reduce(0, +)
        }, total: outcome.votes + outcome.malformedVotes)
        try sandbox.waitUntil("the router holds every vote", done: { sandbox.route.snapshotInUse.ranker.memory.count - sandbox.battles },
                              total: outcome.votes)
        // A refit runs after the votes that made it due are stored, so the router can hold every
        // vote before it holds their ratings: wait for the version that covers them.
        if outcome.votes >= Self.refitEveryVotes {
            try sandbox.waitUntil("the router follows the ratings refitted with the votes", done: {
                let learned = sandbox.learn.counters.snapshot()
                guard learned.refits + learned.refusedVersions > 0, let newest = learned.ratingsVersion else { return 0 }
                return sandbox.route.snapshotInUse.ratingsVersion == RatingsVersion.label(newest) ? 1 : 0
            }, total: 1)
        }
        try sandbox.waitForTheLedger(usageReports: outcome.usage.count)

        let summary = DemoSummary(source: source, configuration: sandbox.configuration, queries: queries, outcome: outcome,
                                  deadLetters: sandbox.route.counters.snapshot().rejected.values.reduce(0, +),
                                  voteDeadLetters: sandbox.learn.counters.snapshot().rejected.values.reduce(0, +),
                                  router: sandbox.route.snapshotInUse, audit: try AuditQuery().run(on: sandbox.connection).total,
                                  plot: plotURL)
        try summary.writePlot()
        summary.print(json: arguments.flag("json"))
        return 0
    }
}
