import Postgres
import Ranking

extension SharpnessSelection {
    /// The kernel sharpness chosen on the battles table for a refit: over the battles between
    /// the refit's models with ids up to `lastBattleID` (within `limits`, as a router holds
    /// them), ranked with the refit's tiers.
    init(battlesOf refit: RatingsRefit, through lastBattleID: Int64, on connection: PostgresConnection,
         limits: MemoryLimits = MemoryLimits(), sameTierRule: SameTierRule = .exclude, decay: TimeDecay? = nil) throws {
        let rated = Set(refit.models)
        let dimension = try BattleTable(connection).dimension() ?? 1
        let memory = try LiveMemory.load(from: connection, dimension: dimension, limits: limits, through: lastBattleID,
                                         rated: rated.contains).memory
        self.init(memory: memory, tierOfModel: memory.models.map { refit.tier(of: $0)! }, sameTierRule: sameTierRule, decay: decay)
    }
}
