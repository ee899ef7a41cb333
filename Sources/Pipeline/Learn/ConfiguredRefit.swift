import Embeddings
import Postgres
import Ranking

/// The learn stage's refit: ratings and tiers of the configured models only, fitted over the
/// battles between two of them — so votes naming other models neither move the routing pair's
/// tiers nor grow the fit — and recorded as a new version only if the routing pair stays in
/// two tiers (in one, every query's strong win rate is exactly 0.5, and routing is off).
///
/// With `routing.kernel_sharpness: auto` the kernel sharpness is chosen on the same battles
/// (within `memory_limits`, as routers hold them) with the new tiers, and recorded with them.
///
/// The battles are read in one short transaction, the fit (and the choice) runs outside any, and
/// the version is recorded in another: no transaction stays open, and no lock is held, while it
/// fits.
struct ConfiguredRefit {
    enum Outcome {
        case published(RatingsVersion)
        /// The fit put the routing pair into tier `tier`; nothing was recorded.
        case refused(tier: Int, battles: Int)
        /// Another learner recorded a version over later battles meanwhile; nothing was recorded.
        case superseded
    }

    let connection: PostgresConnection
    let models: Set<String>
    let pair: (strong: String, weak: String)
    let tierCount: Int
    let rounds: Int
    let embedder: EmbedderIdentity
    let sharpness: KernelSharpness
    let sameTierRule: SameTierRule
    let limits: MemoryLimits

    init(configuration: RouteLedgerConfiguration, connection: PostgresConnection, embedder: EmbedderIdentity) {
        self.connection = connection
        models = Set(configuration.models.map(\.name))
        pair = configuration.routingPair
        tierCount = configuration.routing.tiers
        rounds = configuration.learning.bootstrapRounds
        self.embedder = embedder
        sharpness = configuration.routing.kernelSharpness
        sameTierRule = configuration.routing.sameTierRule
        limits = configuration.memoryLimits
    }

    /// Fits and, unless refused or superseded, records the version and announces it;
    /// `publishing` runs in the recording transaction with the new version.
    func run(_ reason: RatingsVersion.Reason, publishing: (RatingsVersion) throws -> Void) throws -> Outcome {
        let table = BattleTable(connection)
        let (lastID, battles) = try connection.transaction {
            try LearningLock.take(on: connection)
            return (try table.lastID(), try table.outcomes(between: models))
        }
        // Seeded with the last battle's id, so the refit can be repeated.
        let refit = RatingsRefit(battles, tierCount: tierCount, rounds: rounds, seed: UInt64(lastID))
        if let tier = refit.tier(of: pair.strong), tier == refit.tier(of: pair.weak) {
            return .refused(tier: tier, battles: battles.count)
        }
        let selection = sharpness == .auto
            ? try SharpnessSelection(battlesOf: refit, through: lastID, on: connection, limits: limits, sameTierRule: sameTierRule,
                                     decay: limits.decay())
            : nil
        return try connection.transaction {
            try LearningLock.take(on: connection)
            let versions = RatingsVersionTable(connection)
            if let latest = try versions.latest(), latest.lastBattleID > lastID { return .superseded }
            let version = try versions.record(refit, reason: reason, lastBattleID: lastID, embedder: embedder, sharpness: selection)
            try publishing(version)
            try LearningAnnouncement(lastBattleID: lastID, ratingsVersion: version.id).send(on: connection)
            return .published(version)
        }
    }
}

/// Why a fit was not recorded as a ratings version (label `reason` of
/// `routeledger_ratings_refused_total`).
enum RatingsRefusal: String, Sendable {
    case routingPairCollapsed = "routing_pair_collapsed"
}
