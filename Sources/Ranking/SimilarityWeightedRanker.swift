import CBLAS
import Dispatch
import Foundation

/// RouteLLM's similarity-weighted ranking: for each query, every battle in memory is weighted by
/// how similar its prompt is to the query, and a Bradley–Terry model over the tiers is fit with
/// those weights.
///
/// The fit depends on the battles only through the weighted win counts between tiers, so a
/// batch costs one SGEMM (queries × distinct prompts similarities), one pass over the
/// similarities that sums weights into a small histogram per query (tier pair × outcome, each
/// prompt's weight times its tally of battles there; for prompts with battles in several slots,
/// as judge data has, one DGEMM of their weights by their tallies), and a Newton solve of a few
/// tiers per query.
public struct SimilarityWeightedRanker: Sendable {
    public let memory: BattleMemory
    public let tierOfModel: [Int]
    public let tierCount: Int
    public let sameTierRule: SameTierRule
    /// γ of the weight `10 · 10^(γ · s / max s)`; 1 is RouteLLM's kernel (see `similarityWeight`).
    public let sharpness: Double
    /// Consecutive prompts (rows of `memory.promptEmbeddings`) whose battles all fall in one
    /// histogram slot, that slot, in memory order; or a run of prompts whose battles fall in
    /// several (`severalSlots`), weighed by their tallies. A slot is
    /// (tier of a × tierCount + tier of b) × 3 + outcome kind, or `discardSlot` for a same-tier
    /// battle the rule leaves out. A memory grouped by matchup (`BattleMemory.groupedByMatchup`)
    /// has long runs, whose weights are summed as vectors before touching the histogram.
    private let runs: [SlotRun]
    /// Per prompt, what its weight counts for in its one slot: its battles' number, or with time
    /// decay the sum of their decay factors (1 for a prompt of several slots); nil when every
    /// prompt is one battle without decay.
    private let promptScales: [Double]?
    /// The tallies of the prompts of several slots, one row per such prompt in memory order, one
    /// column per slot any of them uses (`tallySlots`): a query's weights of those prompts times
    /// this matrix are their contribution to its histogram.
    private let tallyMatrix: [Double]
    private let tallySlots: [Int]
    private var severalSlotPromptCount: Int { tallySlots.isEmpty ? 0 : tallyMatrix.count / tallySlots.count }
    /// Where every query's fit sets out from: the fit of the whole memory with every battle
    /// weighing 1 (times its decay). Every query's fit mixes its neighbours with all the
    /// battles, so its answer lies near this one (on arena-bench at γ = 1, 4 Newton steps on
    /// average from here against 6 from 0).
    private let startingLogStrengths: [Double]

    private var discardSlot: Int { tierCount * tierCount * 3 }
    private var slotCount: Int { discardSlot + 1 }

    public init(memory: BattleMemory, tierOfModel: [Int], sameTierRule: SameTierRule = .exclude, decay: TimeDecay? = nil,
                sharpness: Double = 1) {
        precondition(tierOfModel.count >= memory.models.count, "every model of the memory needs a tier")
        precondition(KernelSharpness.range.contains(sharpness), "the kernel sharpness lies in \(KernelSharpness.range)")
        precondition(tierOfModel.allSatisfy { $0 >= 0 }, "tiers are numbered from 0")
        let tierCount = (tierOfModel.max() ?? 0) + 1
        precondition(tierCount * tierCount * 3 < Int(SlotRun.severalSlots), "too many tiers")
        self.memory = memory
        self.tierOfModel = tierOfModel
        self.tierCount = tierCount
        self.sameTierRule = sameTierRule
        self.sharpness = sharpness
        let discard = tierCount * tierCount * 3
        // Between two tiers, "b lost to a" counts as "a beat b" and a tie the same either way
        // round, so such battles take one slot: the winner's tier first, or the lower tier first
        // in a tie. (Same-tier battles under RouteLLM's rule keep their outcome: it decides the
        // label of their row.)
        func slot(ofBattle index: Int) -> UInt16 {
            let tierA = tierOfModel[Int(memory.modelA[index])]
            let tierB = tierOfModel[Int(memory.modelB[index])]
            if tierA == tierB && sameTierRule == .exclude { return UInt16(discard) }
            let (first, second, kind): (Int, Int, Int) = switch memory.outcomes[index] {
            case .modelA: (tierA, tierB, 0)
            case .modelB where tierA != tierB: (tierB, tierA, 0)
            case .modelB: (tierA, tierB, 1)
            case .tie, .tieBothBad: (min(tierA, tierB), max(tierA, tierB), 2)
            }
            return UInt16((first * tierCount + second) * 3 + kind)
        }

        // Each prompt's weight per slot: its battles' count, or the sum of their decay factors.
        var promptTallies = [[SlotTally]](repeating: [], count: memory.promptCount)
        for battle in 0..<memory.count {
            let factor = decay.map { Double($0.factor(battleTime: memory.time(ofBattle: battle))) } ?? 1
            let prompt = Int(memory.promptOfBattle[battle])
            let battleSlot = slot(ofBattle: battle)
            if let known = promptTallies[prompt].firstIndex(where: { $0.slot == battleSlot }) {
                promptTallies[prompt][known].weight += factor
            } else {
                promptTallies[prompt].append(SlotTally(slot: battleSlot, weight: factor))
            }
        }
        // A prompt of several slots keeps its tallies (less the discarded ones) as a row of the
        // tally matrix.
        let severalSlotPrompts = promptTallies.indices.filter { promptTallies[$0].count > 1 }
        let tallySlots = Set(severalSlotPrompts.flatMap { promptTallies[$0].map { Int($0.slot) } }).subtracting([discard]).sorted()
        let columnOfSlot = Dictionary(uniqueKeysWithValues: tallySlots.enumerated().map { ($1, $0) })
        var tallyMatrix = [Double](repeating: 0, count: severalSlotPrompts.count * tallySlots.count)
        for (row, prompt) in severalSlotPrompts.enumerated() {
            for tally in promptTallies[prompt] {
                if let column = columnOfSlot[Int(tally.slot)] { tallyMatrix[row * tallySlots.count + column] = tally.weight }
            }
        }
        var runs: [SlotRun] = []
        var scales = [Double](repeating: 1, count: memory.promptCount)
        var tallyRow: Int32 = 0
        for (prompt, slots) in promptTallies.enumerated() {
            let runSlot: UInt16
            if slots.count == 1 {
                runSlot = slots[0].slot
                scales[prompt] = slots[0].weight
            } else {
                runSlot = SlotRun.severalSlots
            }
            if let last = runs.last, last.slot == runSlot {
                runs[runs.count - 1].end += 1
            } else {
                runs.append(SlotRun(start: Int32(prompt), end: Int32(prompt + 1), slot: runSlot, firstTallyRow: tallyRow))
            }
            if runSlot == SlotRun.severalSlots { tallyRow += 1 }
        }
        var unweighted = [Double](repeating: 0, count: discard + 1)
        for (slots, scale) in zip(promptTallies, scales) where slots.count == 1 { unweighted[Int(slots[0].slot)] += scale }
        for prompt in severalSlotPrompts {
            for tally in promptTallies[prompt] where Int(tally.slot) != discard { unweighted[Int(tally.slot)] += tally.weight }
        }
        self.runs = runs
        self.tallyMatrix = tallyMatrix
        self.tallySlots = tallySlots
        promptScales = scales.allSatisfy { $0 == 1 } ? nil : scales
        startingLogStrengths = unweighted.withUnsafeBufferPointer { histogram in
            BradleyTerry.fitLogStrengths(Self.counts(fromHistogram: histogram.baseAddress!, tierCount: tierCount, sameTierRule: sameTierRule))
        }
    }

    /// Per-query tier ratings for a batch of query embeddings (rows of `queries`, any length
    /// but not zero; they are normalised here).
    public func rank(_ queries: FloatMatrix, workspace: RankingWorkspace = RankingWorkspace(),
                     profile: RankingProfile? = nil) throws(EmbeddingRowError) -> [TierRatings] {
        try rank(queries, sharpnesses: [sharpness], workspace: workspace, profile: profile)[0]
    }

    /// The tier ratings of the batch under each kernel sharpness in turn, from one similarity
    /// product: what choosing the sharpness by cross-validation compares.
    ///
    /// The similarities are one SGEMM; then, query by query, the row is searched for its
    /// largest similarity a chunk at a time (counting its near similarities from the chunk while
    /// it is in L1, `NearSimilarities`), and one more pass over the row, now in L2, weighs every
    /// prompt with that maximum. (Computing the product a tile of prompts at a time, each tile
    /// searched while in cache, was slower: at 110,000 × 384, 0.74–0.83 of the SGEMM alone with
    /// 4,096-prompt tiles against 0.80–0.89 with one call, 0.88–0.91 against 0.95–0.98 at
    /// d = 1,536 — each call wakes OpenBLAS's threads, which then spin while the search needs the
    /// cores. Weighing each
    /// tile at once, with the largest similarity so far, weighs half of each row twice on
    /// average: the exponentials cost more than the read saves.)
    public func rank(_ queries: FloatMatrix, sharpnesses: [Double], workspace: RankingWorkspace = RankingWorkspace(),
                     profile: RankingProfile? = nil) throws(EmbeddingRowError) -> [[TierRatings]] {
        precondition(sharpnesses.allSatisfy(KernelSharpness.range.contains), "the kernel sharpness lies in \(KernelSharpness.range)")
        guard queries.columns == memory.dimension else {
            throw EmbeddingRowError(row: 0, reason: .dimensionMismatch(expected: memory.dimension, actual: queries.columns))
        }
        var unitQueries = queries
        try unitQueries.normalizeRows()
        let batch = queries.rows
        let prompts = memory.promptCount
        let dimension = memory.dimension
        let slots = slotCount
        let clock = ContinuousClock()
        let similarities = SendableBuffer(workspace.similarities(count: batch * prompts))
        let histograms = SendableBuffer(workspace.histograms(count: sharpnesses.count * batch * slots))
        histograms.base.baseAddress?.initialize(repeating: 0, count: sharpnesses.count * batch * slots)
        let similarityStarted = clock.now
        if batch > 0 && prompts > 0 {
            unitQueries.values.withUnsafeBufferPointer { q in
                memory.promptEmbeddings.withUnsafeBufferPointer { e in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(prompts), Int32(dimension), 1,
                                q.baseAddress, Int32(dimension), e.baseAddress, Int32(dimension), 0,
                                similarities.base.baseAddress, Int32(prompts))
                }
            }
        }
        profile?.add(.similarity, clock.now - similarityStarted)
        var started = clock.now
        let tallyPrompts = severalSlotPromptCount
        let tallyWeights = SendableBuffer(workspace.tallyWeights(count: sharpnesses.count * batch * tallyPrompts))
        withRankingInputs(queries: unitQueries) { inputs in
            // An empty memory leaves every histogram empty: the equal ratings of no battles.
            forEachQuery(prompts > 0 ? batch : 0) { query in
                let row = similarities.base.baseAddress! + query * prompts
                let (rowMaximum, near) = maximumAndNearCount(row: row, count: prompts, sharpnesses: sharpnesses)
                var refinement = NearRefinement(near, maximum: rowMaximum, sharpnesses: sharpnesses,
                                                query: inputs.queries + query * dimension, prompts: inputs.prompts, dimension: dimension)
                let maximum = refinement.refineMaximum(rowMaximum, row: row, prompts: prompts)
                for (index, sharpness) in sharpnesses.enumerated() {
                    accumulateWeights(row: row, count: prompts, maximum: maximum, sharpness: sharpness, inputs: inputs,
                                      refinement: refinement, into: histograms.base.baseAddress! + (index * batch + query) * slots,
                                      tallyWeights: tallyWeights.base.baseAddress.map { $0 + (index * batch + query) * tallyPrompts })
                    // The first pass wrote what it recomputed back into the row.
                    refinement.threshold = .infinity
                }
            }
        }
        if tallyPrompts > 0 && prompts > 0 {
            addTallies(weights: tallyWeights.base.baseAddress!, rows: sharpnesses.count * batch, workspace: workspace,
                       into: histograms.base.baseAddress!)
        }
        profile?.add(.weighting, clock.now - started)

        started = clock.now
        let results = UnsafeMutableBufferPointer<TierRatings>.allocate(capacity: sharpnesses.count * batch)
        defer { results.deallocate() }
        let output = SendableBuffer(results)
        forEachQuery(sharpnesses.count * batch) { index in
            let histogram = UnsafePointer(histograms.base.baseAddress! + index * slots)
            let ratings = BradleyTerry.fitRatings(Self.counts(fromHistogram: histogram, tierCount: tierCount, sameTierRule: sameTierRule),
                                                  start: startingLogStrengths)
            (output.base.baseAddress! + index).initialize(to: TierRatings(ratings: ratings))
        }
        profile?.add(.fit, clock.now - started)
        let ratings = sharpnesses.indices.map { index in Array(results[(index * batch)..<((index + 1) * batch)]) }
        results.baseAddress!.deinitialize(count: sharpnesses.count * batch)
        return ratings
    }

    /// The read-only tables of the weighting, shared with its workers.
    private func withRankingInputs(queries: FloatMatrix, _ body: (SendableRankingInputs) -> Void) {
        runs.withUnsafeBufferPointer { runBuffer in
            (promptScales ?? []).withUnsafeBufferPointer { scaleBuffer in
                queries.values.withUnsafeBufferPointer { queryBuffer in
                    memory.promptEmbeddings.withUnsafeBufferPointer { promptBuffer in
                        body(SendableRankingInputs(runs: runBuffer, scales: promptScales == nil ? nil : scaleBuffer.baseAddress,
                                                   queries: queryBuffer.baseAddress!, prompts: promptBuffer.baseAddress!))
                    }
                }
            }
        }
    }

    /// Adds to each histogram (one per row of `weights`) its query's weights of the prompts of
    /// several slots times their tallies: one DGEMM (rows × those prompts, by the tally matrix),
    /// then each column into its slot. Double throughout, as the one-slot sums are.
    private func addTallies(weights: UnsafeMutablePointer<Double>, rows: Int, workspace: RankingWorkspace,
                            into histograms: UnsafeMutablePointer<Double>) {
        let (columns, tallyPrompts, slots) = (tallySlots.count, severalSlotPromptCount, slotCount)
        let counts = workspace.tallyCounts(count: rows * columns).baseAddress!
        tallyMatrix.withUnsafeBufferPointer { matrix in
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(columns), Int32(tallyPrompts), 1,
                        weights, Int32(tallyPrompts), matrix.baseAddress, Int32(columns), 0, counts, Int32(columns))
        }
        for row in 0..<rows {
            for (column, slot) in tallySlots.enumerated() { histograms[row * slots + slot] += counts[row * columns + column] }
        }
    }

    /// The histogram of one query turned back into pairwise counts, through the same counting
    /// rule as a single battle.
    private static func counts(fromHistogram histogram: UnsafePointer<Double>, tierCount: Int, sameTierRule: SameTierRule) -> PairwiseCounts {
        var counts = PairwiseCounts(playerCount: tierCount)
        for tierA in 0..<tierCount {
            for tierB in 0..<tierCount {
                for (kind, outcome) in histogramOutcomes.enumerated() {
                    let weight = histogram[(tierA * tierCount + tierB) * 3 + kind]
                    if weight > 0 {
                        counts.add(IndexedBattle(a: tierA, b: tierB, outcome: outcome), weight: weight,
                                   sameTierRule: sameTierRule)
                    }
                }
            }
        }
        return counts
    }
}

/// The outcome of each of a tier pair's three histogram slots.
private let histogramOutcomes: [BattleOutcome] = [.modelA, .modelB, .tie]

/// The largest of `count` similarities.
@inline(__always)
private func maximumOf(_ similarities: UnsafePointer<Float>, count: Int) -> Float {
    let raw = UnsafeRawPointer(similarities)
    let vectorEnd = count - count % 16
    var lanesMaximum = SIMD16<Float>(repeating: -.infinity)
    for start in stride(from: 0, to: vectorEnd, by: 16) {
        let lanes = raw.loadUnaligned(fromByteOffset: start * 4, as: SIMD16<Float>.self)
        lanesMaximum.replace(with: lanes, where: lanes .> lanesMaximum)
    }
    var maximum = lanesMaximum.max()
    for index in vectorEnd..<count { maximum = max(maximum, similarities[index]) }
    return maximum
}

/// The largest similarity of a query's row, searched a chunk at a time, with its near
/// similarities counted from each chunk while it is in L1.
@inline(__always)
private func maximumAndNearCount(row: UnsafePointer<Float>, count: Int, sharpnesses: [Double]) -> (Float, NearSimilarities) {
    var maximum = -Float.infinity
    var near = NearSimilarities()
    for chunkStart in stride(from: 0, to: count, by: similarityChunk) {
        let width = min(similarityChunk, count - chunkStart)
        let chunkMaximum = maximumOf(row + chunkStart, count: width)
        if chunkMaximum > maximum {
            maximum = chunkMaximum
            near.maximumChunk = chunkStart
        }
        near.count(row + chunkStart, width: width, maximum: maximum, sharpnesses: sharpnesses)
    }
    return (maximum, near)
}

/// Sums the similarity weight of each prompt of a query's row, times what it counts for, into
/// its slots: the hot loop of the router, 16 lanes at a time. Weights are computed a chunk at a
/// time into a buffer that stays in L1, then summed run by run into their slots; the weights of
/// prompts of several slots go to `tallyWeights` instead, for the tally product.
@inline(__always)
private func accumulateWeights(row similarities: UnsafeMutablePointer<Float>, count: Int, maximum: Float, sharpness: Double,
                               inputs: SendableRankingInputs, refinement: NearRefinement, into histogram: UnsafeMutablePointer<Double>,
                               tallyWeights: UnsafeMutablePointer<Double>?) {
    let runs = inputs.runs
    let raw = UnsafeRawPointer(similarities)
    // No positive similarity: every battle weighs the same (the unweighted fit).
    let uniform = !(maximum > 0 && maximum.isFinite)
    let exactOctavesPerUnit = sharpness * log2(10.0) / Double(maximum)
    let octavesPerUnit = Float(exactOctavesPerUnit)
    let octavesPerUnitRemainder = Float(exactOctavesPerUnit - Double(octavesPerUnit))
    var runIndex = 0
    withUnsafeTemporaryAllocation(of: Float.self, capacity: weightChunk) { weights in
        let weightsRaw = UnsafeMutableRawPointer(weights.baseAddress!)
        for chunkStart in stride(from: 0, to: count, by: weightChunk) {
            let chunkEnd = min(chunkStart + weightChunk, count)
            let chunkVectorEnd = uniform ? chunkStart : chunkStart + (chunkEnd - chunkStart) / 16 * 16
            for start in stride(from: chunkStart, to: chunkVectorEnd, by: 16) {
                let lanes = refinement.refine(raw.loadUnaligned(fromByteOffset: start * 4, as: SIMD16<Float>.self), first: start,
                                              row: similarities)
                weightsRaw.storeBytes(of: similarityWeights(lanes, maximum: maximum, octavesPerUnit: octavesPerUnit,
                                                                    octavesPerUnitRemainder: octavesPerUnitRemainder),
                                      toByteOffset: (start - chunkStart) * 4, as: SIMD16<Float>.self)
            }
            if uniform {
                for index in chunkStart..<chunkEnd { weights[index - chunkStart] = 1 }
            } else if chunkVectorEnd < chunkEnd {
                // The last few through the same lanes (padded), so a prompt's weight never depends
                // on where in the memory it lies.
                var lanes = SIMD16<Float>(repeating: maximum)
                for index in chunkVectorEnd..<chunkEnd { lanes[index - chunkVectorEnd] = similarities[index] }
                lanes = refinement.refine(lanes, first: chunkVectorEnd, count: chunkEnd - chunkVectorEnd, row: similarities)
                let tail = similarityWeights(lanes, maximum: maximum, octavesPerUnit: octavesPerUnit,
                                             octavesPerUnitRemainder: octavesPerUnitRemainder)
                for index in chunkVectorEnd..<chunkEnd { weights[index - chunkStart] = tail[index - chunkVectorEnd] }
            }
            // Every run that overlaps this chunk, the last one possibly continuing in the next.
            while runIndex < runs.count {
                let run = runs[runIndex]
                let from = max(Int(run.start), chunkStart) - chunkStart
                let to = min(Int(run.end), chunkEnd) - chunkStart
                if run.slot == SlotRun.severalSlots {
                    let firstRow = Int(run.firstTallyRow) - Int(run.start)
                    for prompt in (chunkStart + from)..<(chunkStart + to) {
                        tallyWeights![firstRow + prompt] = Double(weights[prompt - chunkStart])
                    }
                } else {
                    histogram[Int(run.slot)] += sum(weights, from: from, to: to, scales: inputs.scales.map { $0 + chunkStart })
                }
                if Int(run.end) > chunkEnd { break }
                runIndex += 1
            }
        }
    }
}

/// Sum of `values[from..<to]`, each times its scale if there are scales, in Double: the same
/// sum whether a prompt's battles come as one scaled weight or as that many weights.
@inline(__always)
private func sum(_ values: UnsafeMutableBufferPointer<Float>, from: Int, to: Int, scales: UnsafePointer<Double>?) -> Double {
    let raw = UnsafeRawPointer(values.baseAddress!)
    var lanes = SIMD8<Double>()
    var index = from
    if let scales {
        let scalesRaw = UnsafeRawPointer(scales)
        while index + 8 <= to {
            let weights = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self))
            lanes.addProduct(weights, scalesRaw.loadUnaligned(fromByteOffset: index * 8, as: SIMD8<Double>.self))
            index += 8
        }
    } else {
        while index + 8 <= to {
            lanes += SIMD8<Double>(raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self))
            index += 8
        }
    }
    var total = lanes.sum()
    while index < to {
        total += Double(values[index]) * (scales?[index] ?? 1)
        index += 1
    }
    return total
}

/// Prompts start..<end of the memory share one histogram slot, or are all of several slots.
struct SlotRun {
    /// The slot of a run whose prompts each have battles in several slots.
    static let severalSlots = UInt16.max

    let start: Int32
    var end: Int32
    let slot: UInt16
    /// For a run of several-slot prompts, the tally-matrix row of its first prompt.
    let firstTallyRow: Int32
}

/// What one prompt's battles in one slot count for: their number, or the sum of their decay
/// factors.
struct SlotTally {
    let slot: UInt16
    var weight: Double
}

/// The similarities of a query's nearest prompts recomputed in double precision, where a sharp
/// kernel would otherwise carry the SGEMM's float rounding into the answer.
///
/// A weight's relative error is a similarity's rounding (a few 1e-8 after 384 float products and
/// sums) times the kernel's slope a = γ · ln 10 / max s, and a tier pair's weighted count errs by
/// that over the square root of the number of battles that effectively share its weight. So the
/// answer moves only where the slope is steep and few prompts are near:
///
/// - up to a slope of `steepestPlainSlope` the win rate moves by less than 3e-7 (on the main
///   reference set, max s ≈ 0.2: 8e-9 at slope 12), and nothing is recomputed;
/// - above it, the prompts whose weight is at least `nearestWeight` of the nearest's are the near
///   ones (the rest weigh too little for their rounding to matter), and where there are at most
///   `mostRecomputed` of them their similarities are recomputed — the float vectors' dot product
///   summed in double, rounded once — the largest first, which every weight divides by. Where
///   more are near, their errors average out, and recomputing them, a random read of memory
///   each, cost a tenth to a fifth of the routing rate on `bench sw`'s 110,000 random prompts
///   at γ = 8 when all were recomputed.
///
/// On the main reference set at γ = 8 (slope 92) about 90 prompts per query are near, and the win
/// rate agrees with the plain double computation to 2e-7 instead of 1.5e-6.
private struct NearSimilarities {
    static let steepestPlainSlope = 40.0
    static let nearestWeight = 1e-3
    static let mostRecomputed = 256

    /// How many similarities are near, counted chunk by chunk from the largest similarity so far:
    /// the threshold never decreases as that grows, so this counts at least the finally near ones.
    var nearCount = 0
    /// Where the query's largest similarity lies: the start of its chunk.
    var maximumChunk = 0

    /// Counts a chunk's near similarities, if the kernel is steep enough to need them.
    mutating func count(_ chunk: UnsafePointer<Float>, width: Int, maximum: Float, sharpnesses: [Double]) {
        let threshold = Self.threshold(maximum: maximum, sharpnesses: sharpnesses)
        guard threshold < .infinity && nearCount <= Self.mostRecomputed else { return }
        let raw = UnsafeRawPointer(chunk)
        let vectorEnd = width - width % 16
        var lanes = SIMD16<Int32>()
        for start in stride(from: 0, to: vectorEnd, by: 16) {
            lanes &-= unsafeBitCast(raw.loadUnaligned(fromByteOffset: start * 4, as: SIMD16<Float>.self) .>= threshold,
                                    to: SIMD16<Int32>.self)
        }
        nearCount += Int(lanes.wrappedSum())
        for index in vectorEnd..<width where chunk[index] >= threshold { nearCount += 1 }
    }

    /// The similarity at and above which similarities are near; infinity when the kernels are
    /// gentle enough. The gentlest of the kernels that need it sets the widest window:
    /// ln(1 / nearestWeight) below the maximum, in units of its slope. The window is cut at 0 (a
    /// negative similarity weighs less than 10^-γ of the nearest), which keeps the threshold
    /// from decreasing as the maximum grows.
    static func threshold(maximum: Float, sharpnesses: [Double]) -> Float {
        guard maximum > 0 && maximum.isFinite else { return .infinity }
        var gentlest = Double.infinity
        for sharpness in sharpnesses {
            let slope = sharpness * log(10.0) / Double(maximum)
            if slope > steepestPlainSlope { gentlest = min(gentlest, slope) }
        }
        guard gentlest < .infinity else { return .infinity }
        return Float(max(0, Double(maximum) - log(1 / nearestWeight) / gentlest))
    }
}

/// One query's recomputation of its near similarities (`NearSimilarities`), done as its row is
/// weighed.
private struct NearRefinement {
    let query: UnsafePointer<Float>
    let prompts: UnsafePointer<Float>
    let dimension: Int
    let maximumChunk: Int
    /// Similarities at or above this are recomputed; infinity when none are.
    var threshold: Float

    init(_ near: NearSimilarities, maximum: Float, sharpnesses: [Double], query: UnsafePointer<Float>,
         prompts: UnsafePointer<Float>, dimension: Int) {
        self.query = query
        self.prompts = prompts
        self.dimension = dimension
        maximumChunk = near.maximumChunk
        threshold = near.nearCount <= NearSimilarities.mostRecomputed
            ? NearSimilarities.threshold(maximum: maximum, sharpnesses: sharpnesses) : .infinity
    }

    /// The largest similarity, recomputed and written back into the row if the near ones will be.
    func refineMaximum(_ maximum: Float, row: UnsafeMutablePointer<Float>, prompts count: Int) -> Float {
        guard threshold < .infinity,
              let prompt = (maximumChunk..<min(maximumChunk + similarityChunk, count)).first(where: { row[$0] == maximum })
        else { return maximum }
        row[prompt] = similarity(toPrompt: prompt)
        return row[prompt]
    }

    /// The lanes of prompts `first..<first + count` at or above the threshold recomputed, and
    /// written back into the row.
    @inline(__always)
    func refine(_ lanes: SIMD16<Float>, first: Int, count: Int = 16, row: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
        let near = lanes .>= threshold
        guard any(near) else { return lanes }
        var refined = lanes
        for lane in 0..<count where near[lane] {
            refined[lane] = similarity(toPrompt: first + lane)
            row[first + lane] = refined[lane]
        }
        return refined
    }

    /// The query's similarity to one prompt: the float vectors' dot product summed in double
    /// (where every product is exact), rounded once.
    func similarity(toPrompt prompt: Int) -> Float {
        let rawQuery = UnsafeRawPointer(query)
        let rawPrompt = UnsafeRawPointer(prompts + prompt * dimension)
        @inline(__always) func lanes(_ raw: UnsafeRawPointer, _ index: Int) -> SIMD8<Double> {
            SIMD8<Double>(raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self))
        }
        // Two independent sums, so the additions' latency overlaps.
        var sums = (SIMD8<Double>(), SIMD8<Double>())
        var index = 0
        while index + 16 <= dimension {
            sums.0.addProduct(lanes(rawQuery, index), lanes(rawPrompt, index))
            sums.1.addProduct(lanes(rawQuery, index + 8), lanes(rawPrompt, index + 8))
            index += 16
        }
        var total = (sums.0 + sums.1).sum()
        while index < dimension {
            total += Double(query[index]) * Double(prompts[prompt * dimension + index])
            index += 1
        }
        return Float(total)
    }
}

/// The read-only inputs the weighting workers share.
private struct SendableRankingInputs: @unchecked Sendable {
    let runs: UnsafeBufferPointer<SlotRun>
    let scales: UnsafePointer<Double>?
    /// The batch's unit query embeddings and the memory's prompt embeddings, row by row.
    let queries: UnsafePointer<Float>
    let prompts: UnsafePointer<Float>
}


private let weightChunk = 512

/// Similarities per chunk of a row searched for its maximum: 16 KB, still in L1 when its near
/// similarities are counted.
private let similarityChunk = 4_096

/// Runs `body` for every query index, spread over the machine's cores.
private func forEachQuery(_ count: Int, _ body: @Sendable (Int) -> Void) {
    let workers = min(count, ProcessInfo.processInfo.activeProcessorCount)
    guard workers > 1 else {
        for query in 0..<count { body(query) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        for query in stride(from: worker, to: count, by: workers) { body(query) }
    }
}

