import Foundation

CPURequirement.check()
BLASKernel.settle()

let commands = CommandGroup(
    name: "routeledger",
    summary: "route LLM requests to the cheapest model that will answer well, and account for it",
    children: [
        .command(DemoCommand.self),
        .command(SoakCommand.self),
        .command(RunCommand.self),
        .command(BrokerCommand.self),
        .command(ProduceCommand.self),
        .command(TailCommand.self),
        .command(EmbedCommand.self),
        .command(ImportCommand.self),
        .group(CommandGroup(name: "battles", summary: "manage the battles learnt in PostgreSQL", children: [
            .command(BattlesRetractCommand.self),
        ])),
        .command(RouteCommand.self),
        .command(CalibrateCommand.self),
        .command(EvalCommand.self),
        .command(ReplayCommand.self),
        .group(CommandGroup(name: "bench", summary: "measure speed and exactness", children: [
            .command(BenchSWCommand.self),
            .command(BenchKafkaCommand.self),
            .command(BenchPipelineCommand.self),
            .command(BenchEmbedCommand.self),
            .command(BenchPostgresCommand.self),
            .command(BenchLearnCommand.self),
            .command(BenchLedgerCommand.self),
        ])),
        .command(MigrateCommand.self),
        .command(AuditCommand.self),
        .group(CommandGroup(name: "ledger", summary: "book what the ledger stage refused, supersede decisions", children: [
            .command(RetryDeadLettersCommand.self),
            .command(SupersedeCommand.self),
        ])),
        .group(CommandGroup(name: "budgets", summary: "hold tenants to daily or monthly budgets", children: [
            .command(BudgetsSetCommand.self),
            .command(BudgetsListCommand.self),
            .command(BudgetsRemoveCommand.self),
        ])),
        .group(CommandGroup(name: "prices", summary: "set and read the price history in PostgreSQL", children: [
            .command(PricesSetCommand.self),
            .command(PricesImportCommand.self),
            .command(PricesListCommand.self),
            .command(PricesHistoryCommand.self),
        ])),
    ])

exit(CommandRunner(root: commands, version: "0.1.0").run(Array(CommandLine.arguments.dropFirst())))
