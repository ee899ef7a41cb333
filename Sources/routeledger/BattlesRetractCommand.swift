import Pipeline
import Postgres

/// `routeledger battles retract`: takes back every battle learnt from one source, audited, and
/// refits without them.
enum BattlesRetractCommand: Command {
    static let name = "retract"
    static let summary = "take back every battle learnt from one source, audited, and refit without them"
    static let discussion = """
        Marks retracted every battle whose source is SOURCE: the vote's own "source" field, else the
        battle's source column ("votes" for votes that name none, an import's source for imported
        battles). In the same transaction it records who retracted how many battles, when and why
        (a row of battle_retractions) and tells following routers, which load their memory again
        without them. Retracted battles stay in the table, so a vote read again is still known by
        its id and not learnt anew, but they enter no fit and no memory. Then it refits the ratings
        and tiers of the configured models (reason "retraction"); a fit that would put the routing
        pair into one tier is refused as the learn stage refuses it (routers keep the previous
        tiers; exit status 1).
        It needs a role that may update battles (the one that migrated). The connection comes from
        --database, else the configuration's database.url, else $ROUTELEDGER_DATABASE_URL and the
        PG* environment variables.
        """
    static let options: [Option] = [
        .value("source", "SOURCE", "The source whose battles to retract (required)."),
        .value("config", "FILE", "The run configuration: its models, routing pair, tiers and bootstrap rounds shape the refit (required)."),
        DatabaseOption.option,
        .value("reason", "TEXT", "Why, for the audit row (default: empty)."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        guard let source = arguments.string("source"), !source.isEmpty else { throw UsageError("give --source SOURCE") }
        guard let file = arguments.string("config") else { throw UsageError("give --config FILE") }
        let configuration = try ConfigurationOption.load(file)
        let connection = try DatabaseOption.connect(try DatabaseOption.settings(arguments, configuration: configuration), waitingUpTo: 0)
        let retraction = try BattleRetraction.retract(source: source, reason: arguments.string("reason") ?? "",
                                                      configuration: configuration, on: connection)
        print("retraction \(retraction.id): \(retraction.battles) battles of source '\(source)' retracted")
        if retraction.refitRefused {
            print("refit refused: it would put \(configuration.routingPair.strong) and \(configuration.routingPair.weak) into one tier; "
                  + "routers keep the previous tiers")
            return 1
        }
        print("ratings version: " + (retraction.version.map { "\($0.label) (\($0.models.count) models, \($0.battleCount) battles)" }
                                     ?? "unchanged"))
        return 0
    }
}
