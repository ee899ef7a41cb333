import BattleStore
import Ranking

extension LoadedBattles {
    /// The battles of a memory directory that a route stage of `configuration` ranks with: those
    /// within its `memory_limits`, each model under its configured name (`ModelNames`, so a
    /// memory may keep the names it was imported with). A battle between two names of one model
    /// says nothing of either and is left out.
    public func routed(by configuration: RouteLedgerConfiguration) -> LoadedBattles {
        let names = configuration.modelNames
        var routed: [LabelledBattle] = []
        var rows: [Int] = []
        for index in configuration.memoryLimits.keptBattles(times: battles.map(\.foughtAtSeconds), sources: battles.map(\.source)) {
            var battle = battles[index]
            battle.modelA = names.resolve(battle.modelA)
            battle.modelB = names.resolve(battle.modelB)
            guard battle.modelA != battle.modelB else { continue }
            routed.append(battle)
            rows.append(index)
        }
        // With every battle kept, the rows are the same and the embeddings are shared, not copied.
        guard rows.count < battles.count else {
            return LoadedBattles(battles: routed, embeddings: embeddings, dimension: dimension, embedder: embedder)
        }
        var kept: [Float] = []
        kept.reserveCapacity(rows.count * dimension)
        for index in rows { kept += embedding(index) }
        return LoadedBattles(battles: routed, embeddings: kept, dimension: dimension, embedder: embedder)
    }
}
