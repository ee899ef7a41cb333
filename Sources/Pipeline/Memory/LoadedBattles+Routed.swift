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
        // The prompts' rows are shared, not copied: a row no kept battle names costs nothing to the router.
        return LoadedBattles(battles: routed, promptEmbeddings: promptEmbeddings, promptOfBattle: rows.map { promptOfBattle[$0] },
                             dimension: dimension, embedder: embedder)
    }
}
