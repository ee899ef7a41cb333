import Ledger
import Pipeline

/// `routeledger ledger supersede`: takes a billed decision off the bill, on purpose and with a
/// reason, so that its query can be billed by another.
enum SupersedeCommand: Command {
    static let name = "supersede"
    static let summary = "take an unanswered decision off the bill so that its query can be billed by another"
    static let discussion = """
        The ledger bills one decision per tenant and query id. A second decision for a query
        (a re-route under a new router version, another consumer group) is refused by the
        ledger stage and dead-lettered as duplicate_query, naming the decision that bills it.
        To bill the new one instead, supersede the old one here, then book the refused one with
        `routeledger ledger retry-deadletters --reason duplicate_query`.
        A superseded decision stays in the ledger with when, why (--reason) and by which role it
        was superseded (audit_decisions shows it), and counts in no total. A decision whose usage
        was reported was answered and paid for, and cannot be superseded; nor can a supersession
        be changed or withdrawn.
        The connection comes from --database, else the configuration's database.url (--config),
        else $ROUTELEDGER_DATABASE_URL and the PG* environment variables.
        """
    static let options: [Option] = [
        .value("decision", "ID", "The decision to supersede (required)."),
        .value("reason", "TEXT", "Why, kept with the row (required)."),
        .value("config", "FILE", "A run configuration whose database.url to use."),
        DatabaseOption.option,
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        guard let decisionID = arguments.string("decision") else { throw UsageError("give --decision ID") }
        guard let reason = arguments.string("reason"), !reason.allSatisfy(\.isWhitespace) else {
            throw UsageError("give --reason TEXT: a supersession is kept with why it was made")
        }
        let settings = try arguments.string("config").map { try DatabaseOption.settings(arguments, configuration: try ConfigurationOption.load($0)) }
            ?? DatabaseOption.settings(arguments)
        let connection = try DatabaseOption.connect(settings, waitingUpTo: 0)
        let superseded = try LedgerSupersession.supersede(decisionID: decisionID, reason: reason, on: connection)
        print("superseded decision \(decisionID) (router version '\(superseded.routerVersion)'): query '\(superseded.queryID)' "
              + "of tenant '\(superseded.tenant)' is no longer billed by it")
        return 0
    }
}
