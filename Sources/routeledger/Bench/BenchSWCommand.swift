import BattleStore
import Foundation
import Ranking

/// `routeledger bench sw`: exactness against the reference method, and speed of the batched
/// SW-ranking path (embeddings given).
enum BenchSWCommand: Command {
    static let name = "sw"
    static let summary = "check the SW-ranking router against reference outputs, or time it"
    static let discussion = """
        With --reference DIR, loads one reference set (battles.jsonl, embeddings.f32, queries.f32,
        expected.json, as in shared/reference/sw/main), routes every query and prints the number
        of queries, the largest difference in strong win rate and in centred tier rating from the
        reference, and the queries per second of the batched path.
        With --battles N --dim D, times a synthetic memory of that size instead.
        With --memory DIR, times a memory directory: its battles held per distinct prompt (as every
        router holds them) and, in the same run, the per-battle layout in which each battle has a
        row of its own, routing --queries of the memory's own prompts (an even spread, repeated
        if there are fewer); prints battles, distinct prompts and both rates.
        Timings cover similarity (SGEMM), weighting and the per-query fit, not embedding. A
        synthetic run also times the similarity SGEMM alone and prints its GFLOP/s against the
        CPU's FMA peak (cores × measured clock × vector lanes × 2 × 2 FMA units).
        --kernel-sharpness sets the router's γ (auto: chosen on the memory first, which a synthetic
        run reports as sharpness_selection_seconds, apart from the routing rate). The
        reference sets hold RouteLLM's answers (γ = 1): at another γ the differences measure how far
        the kernel moves the answers, not an error.
        """
    static let options: [Option] = [
        .value("reference", "DIR", "Reference set to check against."),
        .value("variant", "clean|routellm", "Same-tier battles: left out (clean, default) or RouteLLM's rule."),
        .value("memory", "DIR", "Memory directory to time, per distinct prompt and per battle."),
        .value("battles", "N", "Synthetic memory size (default 110000)."),
        .value("dim", "D", "Synthetic embedding dimension (default 384)."),
        .value("models", "M", "Synthetic model count (default 20)."),
        .value("tiers", "T", "Tiers (default 10; a reference set brings its own)."),
        .value("queries", "Q", "Queries to time (default 2560)."),
        .value("batch", "B", "Queries per batched call (default 256)."),
        .value("seconds", "S", "Least time to spend timing (default 2)."),
        .value("seed", "N", "Seed of the synthetic data (default 1)."),
        KernelSharpness.option,
        .flag("json", "Print one JSON object instead of text."),
    ]

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let rule = SameTierRule(rawValue: try arguments.choice("variant", from: SameTierRule.allCases.map(\.rawValue)) ?? "clean")!
        let batch = try arguments.int("batch", range: 1...65_536) ?? 256
        let seconds = try arguments.double("seconds", range: 0...3_600) ?? 2
        let json = arguments.flag("json")
        let sharpness = try KernelSharpness.parse(arguments) ?? .routeLLM
        printStandardError("\(BLASKernel.description)\n")
        if let directory = arguments.string("reference") {
            for synthetic in ["battles", "dim", "models", "queries", "seed"] where arguments.string(synthetic) != nil {
                throw UsageError("option '--\(synthetic)' describes a synthetic memory and cannot be used with --reference")
            }
            return try checkReference(URL(fileURLWithPath: directory), rule: rule, sharpness: sharpness, batch: batch, seconds: seconds,
                                      json: json)
        }
        if let directory = arguments.string("memory") {
            for synthetic in ["battles", "dim", "models", "seed"] where arguments.string(synthetic) != nil {
                throw UsageError("option '--\(synthetic)' describes a synthetic memory and cannot be used with --memory")
            }
            let memory = try MemoryDirectory.open(URL(fileURLWithPath: directory))
            return try timeMemory(memory, tiers: try arguments.int("tiers", range: 1...100),
                                  queries: try arguments.int("queries", range: 1...10_000_000) ?? 2_560, rule: rule, sharpness: sharpness,
                                  batch: batch, seconds: seconds, json: json)
        }
        let shape = SyntheticShape(
            battles: try arguments.int("battles", range: 1...50_000_000) ?? 110_000,
            dimension: try arguments.int("dim", range: 1...65_536) ?? 384,
            models: try arguments.int("models", range: 2...65_535) ?? 20,
            tiers: try arguments.int("tiers", range: 1...100) ?? 10,
            queries: try arguments.int("queries", range: 1...10_000_000) ?? 2_560,
            seed: UInt64(try arguments.int("seed", range: 0...Int.max) ?? 1))
        return try timeSynthetic(shape, rule: rule, sharpness: sharpness, batch: batch, seconds: seconds, json: json)
    }

    private static func checkReference(_ directory: URL, rule: SameTierRule, sharpness: KernelSharpness, batch: Int, seconds: Double,
                                       json: Bool) throws -> Int32 {
        let reference = try ReferenceSet(directory: directory)
        let check = try ReferenceCheck(reference, rule: rule, batch: batch, sharpness: sharpness)
        printSharpnessChoice(check.sharpnessSelection)
        let timing = try RouterTiming.measure(reference.queries, ranker: check.ranker, batch: batch, seconds: seconds, workspace: RankingWorkspace())
        let figures: [(String, Any)] = [
            ("queries", check.queries),
            ("variant", rule.rawValue),
            ("kernel_sharpness", check.ranker.sharpness),
            ("max_abs_win_rate_diff", check.largestWinRateDifference),
            ("max_abs_rating_diff", check.largestRatingDifference),
            ("max_abs_global_rating_diff", check.largestGlobalRatingDifference),
            ("tiers_match", check.tiersMatch),
            ("queries_per_second", timing.queriesPerSecond),
        ] + timing.phaseFigures
        printFigures(figures, json: json)
        return 0
    }

    private static func timeSynthetic(_ shape: SyntheticShape, rule: SameTierRule, sharpness setting: KernelSharpness, batch: Int,
                                      seconds: Double, json: Bool) throws -> Int32 {
        printStandardError("building a synthetic memory of \(shape.battles) battles × \(shape.dimension) dimensions\n")
        let (memory, queries) = shape.make()
        let tierOfModel = GlobalTiers(of: memory, tierCount: shape.tiers).tierOfModel
        let selectionStarted = ContinuousClock.now
        let (sharpness, selection) = setting.resolved(stored: nil) {
            SharpnessSelection(memory: memory, tierOfModel: tierOfModel, sameTierRule: rule)
        }
        let selectionSeconds = (ContinuousClock.now - selectionStarted).seconds
        printSharpnessChoice(selection)
        let ranker = SimilarityWeightedRanker(memory: memory, tierOfModel: tierOfModel, sameTierRule: rule, sharpness: sharpness)
        let timing = try RouterTiming.measure(queries, ranker: ranker, batch: batch, seconds: seconds, workspace: RankingWorkspace())
        let bound = sgemmOnlyQueriesPerSecond(memory: memory, batch: batch, seconds: seconds)
        let rawBytes = memory.promptCount * memory.dimension * MemoryLayout<Float>.size
        let operationsPerQuery = 2 * Double(memory.promptCount) * Double(memory.dimension)
        let figures: [(String, Any)] = [
            ("battles", memory.count),
            ("distinct_prompts", memory.promptCount),
            ("dim", memory.dimension),
            ("tiers", ranker.tierCount),
            ("kernel_sharpness", sharpness),
            ("batch", batch),
            ("queries", timing.queries),
            ("queries_per_second", timing.queriesPerSecond),
            ("sgemm_only_queries_per_second", bound),
            ("share_of_sgemm_bound", timing.queriesPerSecond / bound),
            ("memory_bytes", memory.allocatedBytes),
            ("memory_ratio_to_raw_floats", Double(memory.allocatedBytes) / Double(rawBytes)),
        ] + (selection == nil ? [] : [("sharpness_selection_seconds", selectionSeconds)])
            + FMAPeak.measure().figures(sgemmGFLOPs: bound * operationsPerQuery / 1e9) + timing.phaseFigures
        printFigures(figures, json: json)
        return 0
    }

    /// A real memory, per distinct prompt and per battle, routing an even spread of its own
    /// prompts.
    private static func timeMemory(_ directory: MemoryDirectory, tiers: Int?, queries count: Int, rule: SameTierRule,
                                   sharpness setting: KernelSharpness, batch: Int, seconds: Double, json: Bool) throws -> Int32 {
        let routing = try directory.routingMemory(tierCount: tiers)
        let memory = routing.memory
        guard memory.count > 0 else { throw CommandFailure("the memory at \(directory.url.path) holds no battles") }
        let stored = directory.manifest.storedSharpness(tierCount: tiers ?? directory.manifest.tierCount)
        let (sharpness, selection) = routing.sharpness(setting, stored: stored, sameTierRule: rule)
        printSharpnessChoice(selection)
        var perBattle = BattleMemory(dimension: memory.dimension, expectedBattles: memory.count, mergingRepeatedPrompts: false)
        for index in 0..<memory.count {
            let battle = memory.battle(index)
            try perBattle.append(modelA: memory.models[battle.a], modelB: memory.models[battle.b], outcome: battle.outcome,
                                 embedding: memory.embedding(ofBattle: index), time: memory.time(ofBattle: index))
        }
        var values: [Float] = []
        values.reserveCapacity(count * memory.dimension)
        for query in 0..<count { values += memory.promptEmbedding(query * memory.promptCount / count % memory.promptCount) }
        let queries = FloatMatrix(rows: count, columns: memory.dimension, values: values)
        printStandardError("timing \(memory.count) battles over \(memory.promptCount) distinct prompts, then per battle\n")
        let distinct = try RouterTiming.measure(queries, ranker: routing.ranker(sameTierRule: rule, sharpness: sharpness), batch: batch,
                                                seconds: seconds, workspace: RankingWorkspace())
        let separate = try RouterTiming.measure(
            queries, ranker: SimilarityWeightedRanker(memory: perBattle.groupedByMatchup(), tierOfModel: routing.tierOfModel,
                                                      sameTierRule: rule, sharpness: sharpness),
            batch: batch, seconds: seconds, workspace: RankingWorkspace())
        let figures: [(String, Any)] = [
            ("battles", memory.count),
            ("distinct_prompts", memory.promptCount),
            ("dim", memory.dimension),
            ("tiers", (routing.tierOfModel.max() ?? 0) + 1),
            ("kernel_sharpness", sharpness),
            ("batch", batch),
            ("queries_per_second", distinct.queriesPerSecond),
            ("per_battle_queries_per_second", separate.queriesPerSecond),
            ("ratio_to_per_battle", distinct.queriesPerSecond / separate.queriesPerSecond),
            ("embedding_bytes", memory.embeddingBytes),
            ("per_battle_embedding_bytes", perBattle.embeddingBytes),
            ("memory_bytes", memory.allocatedBytes),
        ] + distinct.phaseFigures
        printFigures(figures, json: json)
        return 0
    }

    /// The bound: the similarity SGEMM alone, same shapes (batch × d against the memory), timed
    /// in the same process right after the router, so both see the same machine.
    private static func sgemmOnlyQueriesPerSecond(memory: BattleMemory, batch: Int, seconds: Double) -> Double {
        let d = memory.dimension
        let queries = [Float](repeating: 0.01, count: batch * d)
        var output = [Float](repeating: 0, count: batch * memory.promptCount)
        let clock = ContinuousClock()
        var multiplied = 0
        let started = clock.now
        repeat {
            BLASLibrary.multiply(queries, memory.promptEmbeddings, into: &output, m: batch, n: memory.promptCount, k: d, transposingB: true)
            multiplied += batch
        } while (clock.now - started).seconds < max(seconds / 2, 0.2)
        return Double(multiplied) / (clock.now - started).seconds
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
