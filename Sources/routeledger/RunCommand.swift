import Foundation
import Kafka
import Pipeline
import Ranking
import Streams

/// `routeledger run`: the long-running stages, configured by one JSON file and the environment.
enum RunCommand: Command {
    static let name = "run"
    static let summary = "run the pipeline stages: Kafka in, decisions out"
    static let discussion = """
        Reads the configuration (--config, then ROUTELEDGER_* / KAFKA_BOOTSTRAP_SERVERS overrides;
        see docs/CONFIGURATION.md and ops/routeledger.example.json), loads the battle memory,
        and routes query events until SIGINT or SIGTERM, when it finishes the batch in hand,
        commits and exits 0. An invalid configuration is refused with every problem listed.
        The learn stage stores votes as battles in PostgreSQL (database.url) and refits ratings
        and tiers; with memory "database", routers load the battles from PostgreSQL and follow
        what the learn stage adds without a restart (docs/LEARNING.md). A route stage with a
        database (memory "database" or tenant_budgets.enabled) estimates at the price book's
        prices and takes a new price without a restart (docs/LEDGER.md).
        With --embedded-broker it first starts a Kafka-protocol broker in this process, with
        every configured topic, and uses it (for trying RouteLedger out; see README).
        --kernel-sharpness overrides routing.kernel_sharpness: with auto the learn stage chooses γ at
        every refit and the routers follow it (docs/LEARNING.md).
                With budget.enabled, the route stage adjusts its threshold online to hold a strong
        share or a spend rate, recording every change on topics.thresholds (docs/OPERATIONS.md).
        Serves /metrics, /healthz and /readyz on --metrics-port (docs/OPERATIONS.md).
        """
    static let options: [Option] = [
        .value("config", "FILE", "Configuration file (JSON). Without it, settings come from the environment only."),
        .value("metrics-port", "PORT", "Port of the metrics endpoint (default 9464; 0 turns it off)."),
        .value("metrics-host", "ADDRESS", "Address the metrics endpoint listens on (default \(MetricsServer.defaultHost), this host only; 0.0.0.0 for every interface)."),
        .value("stages", "LIST", "Comma-separated stages to run, from: \(availableStages.joined(separator: ", ")) (default: all)."),
        .flag("embedded-broker", "Start a Kafka-protocol broker in this process and use it."),
        .value("partitions", "N", "Partitions of each topic on the embedded broker (default 3)."),
        .value("kernel-sharpness", "N|auto", "Kernel sharpness γ, 0…64 or auto, instead of routing.kernel_sharpness."),
    ]

    static let availableStages = ["route", "learn", "ledger"]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let stageNames = try arguments.string("stages").map { list in
            let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if names.allSatisfy(\.isEmpty) {
                throw UsageError("option '--stages' names no stage (stages: \(availableStages.joined(separator: ", ")))")
            }
            if let unknown = names.first(where: { !availableStages.contains($0) }) {
                throw UsageError("unknown stage '\(unknown)' in --stages (stages: \(availableStages.joined(separator: ", ")))")
            }
            return names
        } ?? availableStages
        let metricsPort = try arguments.int("metrics-port", range: 0...65_535) ?? 9_464
        let partitions = try arguments.int("partitions", range: 1...1_000) ?? 3
        if arguments.string("partitions") != nil && !arguments.flag("embedded-broker") {
            throw UsageError("option '--partitions' applies to --embedded-broker only")
        }
        let sharpness = try KernelSharpness.parse(arguments)
        let log = StageLog(component: "run")
        var configuration = try ConfigurationOption.load(arguments.string("config"))
        if let sharpness { configuration.routing.kernelSharpness = sharpness }
        do {
            try configuration.validateKafkaClients()
        } catch {
            throw CommandFailure(error.description)
        }
        log(.info, BLASKernel.description)

        var broker: EmbeddedBroker?
        if arguments.flag("embedded-broker") {
            let started = try EmbeddedBroker(partitions: partitions, topics: configuration.allTopics)
            configuration.use(started)
            log(.info, "embedded broker started", ["bootstrap": started.bootstrapServers, "partitions": partitions])
            broker = started
        }

        let shutdown = ShutdownSignal()
        let assembly = StageAssembly(configuration: configuration, shutdown: shutdown, log: log)
        var stages: [any PipelineStage] = []
        if stageNames.contains("route") { stages += try assembly.routeStages() }
        if stageNames.contains("learn") { stages.append(try assembly.learnStage()) }
        if stageNames.contains("ledger") { stages.append(try assembly.ledgerStage()) }
        var server: MetricsServer?
        if metricsPort != 0 {
            let running = stages
            let host = arguments.string("metrics-host") ?? MetricsServer.defaultHost
            server = try MetricsServer(host: host, port: metricsPort, registry: assembly.metrics, readiness: {
                Readiness.of(running.map { ($0.name, $0.readiness()) })
            })
            log(.info, "metrics endpoint listening", ["host": host, "port": metricsPort])
        }
        defer { server?.stop() }
        // The embedded broker lives as long as the stages run.
        try withExtendedLifetime(broker) { try runStages(stages, shutdown: shutdown) }
        return 0
    }
}
