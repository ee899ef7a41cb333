import Postgres
import Ranking

/// A router's battle memory while it follows the battles table: what is in RAM (within the
/// configured memory limits), the source of each battle (for per-source caps), and how far the
/// table has been read.
///
/// New battles are appended at the end, which costs one copy of the memory when the router
/// still ranks with the previous snapshot (the arrays are shared until then). Now and then the
/// memory is compacted: the limits applied and the battles grouped by matchup again, which the
/// ranker weighs fastest — after every addition when caps are set (so RAM stays bounded), and
/// otherwise once 5 % of it is newly appended or the tiers change.
public struct LiveMemory: Sendable {
    public let limits: MemoryLimits
    public private(set) var memory: BattleMemory
    /// The source of each battle of `memory`, in its order.
    private(set) var sources: [String] = []
    /// The battles table's id of each battle of `memory`, in its order.
    public private(set) var ids: [Int64] = []
    /// The highest battle id read, whether kept, deferred or left out by the limits.
    public private(set) var lastBattleID: Int64 = 0
    /// Battles of models that no ratings version rates yet (so they have no tier); appended
    /// once one does.
    private(set) var deferred: BattleRows
    private var appendedSinceCompaction = 0

    public init(dimension: Int, limits: MemoryLimits) {
        self.limits = limits
        memory = BattleMemory(dimension: dimension)
        deferred = BattleRows(dimension: dimension)
    }

    private var hasCaps: Bool { limits.maxBattles != nil || !limits.maxBattlesPerSource.isEmpty }

    public var needsCompaction: Bool {
        appendedSinceCompaction > 0 && (hasCaps || appendedSinceCompaction >= max(1_000, memory.count / 20))
    }

    /// Loads every battle of the table with COPY (those with ids up to `lastBattleID`), within
    /// the limits: with caps, the battles' ages are read first and only the embeddings of those
    /// kept are held.
    public static func load(from connection: PostgresConnection, dimension: Int, limits: MemoryLimits,
                            through lastBattleID: Int64 = .max, rated: (String) -> Bool) throws -> LiveMemory {
        var live = LiveMemory(dimension: dimension, limits: limits)
        let table = BattleTable(connection)
        let rows: BattleRows
        if live.hasCaps {
            let ages = try table.ages()
            let within = ages.ids.prefix { $0 <= lastBattleID }.count
            let kept = Set(limits.keptBattles(times: Array(ages.times.prefix(within)), sources: Array(ages.sources.prefix(within)))
                .map { ages.ids[$0] })
            rows = try table.allRows(dimension: dimension, keep: kept.contains)
            live.lastBattleID = ages.ids.prefix(within).last ?? 0
        } else {
            rows = try table.allRows(dimension: dimension, keep: { $0 <= lastBattleID })
        }
        live.memory.reserveCapacity(rows.count)
        try live.add(rows, rated: rated)
        try live.compact()
        return live
    }

    /// Appends battles read after `lastBattleID` (in id order); those of a model without a
    /// tier wait in `deferred`.
    public mutating func add(_ rows: BattleRows, rated: (String) -> Bool) throws {
        for index in 0..<rows.count {
            if rated(rows.modelA[index]) && rated(rows.modelB[index]) {
                try append(row: index, of: rows)
            } else {
                deferred.append(row: index, of: rows)
            }
        }
        lastBattleID = max(lastBattleID, rows.ids.last ?? 0)
    }

    /// Appends the deferred battles whose models are now rated.
    public mutating func retryDeferred(rated: (String) -> Bool) throws {
        let waiting = deferred
        deferred = BattleRows(dimension: memory.dimension)
        try add(waiting, rated: rated)
    }

    private mutating func append(row index: Int, of rows: BattleRows) throws {
        do {
            try memory.append(modelA: rows.modelA[index], modelB: rows.modelB[index], outcome: rows.outcomes[index],
                              embedding: rows.embedding(index), time: rows.times[index])
        } catch {
            throw LearningError.damagedBattle(id: rows.ids[index], error.description)
        }
        sources.append(rows.sources[index])
        ids.append(rows.ids[index])
        appendedSinceCompaction += 1
    }

    /// Applies the limits and groups the battles by matchup, in one copy.
    public mutating func compact() throws {
        let kept = hasCaps ? limits.keptBattles(times: memory.times, sources: sources) : Array(0..<memory.count)
        let old = memory
        let order = kept.sorted { left, right in
            (old.modelA[left], old.modelB[left], old.outcomes[left].rawValue, left)
                < (old.modelA[right], old.modelB[right], old.outcomes[right].rawValue, right)
        }
        var rebuilt = BattleMemory(dimension: old.dimension, expectedBattles: order.count)
        for index in order {
            do {
                try rebuilt.append(modelA: old.models[Int(old.modelA[index])], modelB: old.models[Int(old.modelB[index])],
                                   outcome: old.outcomes[index],
                                   embedding: old.embedding(ofBattle: index), time: old.times[index])
            } catch {
                preconditionFailure("a battle already in the memory was refused again: \(error)")
            }
        }
        sources = order.map { sources[$0] }
        ids = order.map { ids[$0] }
        memory = rebuilt
        appendedSinceCompaction = 0
    }
}
