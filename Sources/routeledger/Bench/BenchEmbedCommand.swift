import Embeddings
import Foundation
import Pipeline
import Ranking

/// `routeledger bench embed`: prompts per second of an embedder on the reference fixture's
/// Chatbot-Arena prompts, and for MiniLM the encoder's GFLOP/s beside what SGEMM alone reaches
/// on the encoder's matrix shapes, with the share of time each phase takes.
enum BenchEmbedCommand: Command {
    static let name = "embed"
    static let summary = "time an embedder on the reference arena prompts"
    static let discussion = """
        Embeds the Chatbot-Arena prompts of --reference DIR (shared/reference/minilm: the texts
        whose id is below 200) in passes, for --seconds at each batch size, and prints texts per
        second per batch size, each call counted at its fastest over the passes (the time least
        disturbed by other work on the machine). For MiniLM it also prints 1 − the smallest cosine to the reference embeddings, the
        encoder's GFLOP/s at batch 32 (matrix-product arithmetic over the whole embedding time),
        the GFLOP/s of SGEMM alone on the encoder's dense shapes for the same batches, timed in
        passes interleaved with the batch-32 passes (the bound on this machine), their ratio, that
        SGEMM rate's share of the CPU's FMA peak (cores × measured clock × vector lanes × 2 × 2 FMA
        units), and
        the share of time in each phase (tokenizer, embedding lookup, gemm, attention, gelu,
        layer norm, pooling). --precision both times the float and the int8 encoder in the same
        run, their passes interleaved batch size by batch size: the int8 figures carry an int8_
        prefix, and int8_speedup_batch_N is the int8 rate over the float rate. The hashing
        embedder runs on one thread.
        """
    static let options: [Option] = [
        .value("reference", "DIR", "The MiniLM reference folder (texts.jsonl, embeddings.f32)."),
        .value("batches", "LIST", "Batch sizes, comma-separated (default 1,32,128)."),
        .value("seconds", "S", "Time per batch size (default 3)."),
        .flag("json", "Print one JSON object instead of text."),
    ] + EmbedderChoice.options.filter { $0.name != "precision" } + [
        .value("precision", "float|int8|both", "MiniLM's dense layers in float32 (default), int8, or both timed in the same run."),
    ]

    /// The batch whose GFLOP/s and phases are reported.
    static let reportedBatch = 32

    static func run(_ arguments: ParsedArguments) throws -> Int32 {
        _ = try arguments.positionals(atMost: 0)
        let choice = try EmbedderChoice.parse(arguments)
        let precision = try arguments.choice("precision", from: EncoderPrecision.allCases.map(\.rawValue) + ["both"]) ?? "float"
        let directory = URL(fileURLWithPath: try arguments.requiredString("reference"))
        let seconds = try arguments.double("seconds", range: 0...3_600) ?? 3
        let batches = try batchSizes(arguments.string("batches") ?? "1,32,128")
        let json = arguments.flag("json")
        let reference = try ArenaReference(directory: directory)

        var figures: [(String, Any)] = [("texts", reference.prompts.count)]
        switch choice {
        case .hashing:
            let embedder = HashingEmbedder()
            figures.append(("embedder", embedder.identity.description))
            for batch in batches {
                let pass = fastestPass(reference.prompts, batch: batch, seconds: seconds) { embedder.embed($0) }
                figures.append(("texts_per_second_batch_\(batch)", Double(reference.prompts.count) / pass))
            }
        case .minilm:
            printStandardError("\(BLASKernel.description)\n")
            let precisions = EncoderPrecision(rawValue: precision).map { [$0] } ?? [.float, .int8]
            let embedders = try precisions.map { precision in
                guard let loaded = try choice.load(modelDirectory: arguments.string("model-dir"), batchSize: reportedBatch,
                                                   precision: precision) as? MiniLMEmbedder else {
                    throw CommandFailure("the MiniLM embedder did not load")
                }
                return loaded
            }
            figures += minilmFigures(embedders, reference: reference, batches: batches, seconds: seconds)
        }
        printFigures(figures, json: json)
        return 0
    }

    /// The figures of each embedder, the first's unprefixed and each other's prefixed by its
    /// precision, with every later one's rate over the first's; passes of all of them are
    /// interleaved, batch size by batch size, so that they share the machine's conditions.
    private static func minilmFigures(_ embedders: [MiniLMEmbedder], reference: ArenaReference, batches: [Int],
                                      seconds: Double) -> [(String, Any)] {
        let prefixes = embedders.indices.map { $0 == 0 ? "" : embedders[$0].precision.rawValue + "_" }
        var figures: [(String, Any)] = []
        let tokenCounts = reference.prompts.map { embedders[0].tokenizer.tokenize($0).count }
        figures.append(("tokens", tokenCounts.reduce(0, +)))
        for (embedder, prefix) in zip(embedders, prefixes) {
            let check = embedder.embed(reference.prompts)
            // Both sides are unit vectors, so the dot product is the cosine.
            let worstCosine = (0..<check.rows).map { row in
                zip(check.row(row), reference.embeddings[row]).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            }.min() ?? .nan
            figures += [(prefix + "embedder", embedder.identity.description), (prefix + "max_one_minus_cosine_to_reference", 1 - worstCosine)]
        }
        let bound = SGEMMBound(batchTokens: chunks(tokenCounts, batch: reportedBatch).map { $0.reduce(0, +) },
                               hidden: embedders[0].dimension)
        var boundBatches = [Double](repeating: .infinity, count: bound.batchTokens.count)
        let timeBound = { boundBatches = zip(boundBatches, bound.timeBatches()).map { min($0, $1) } }
        var reportedPasses = [Double](repeating: .nan, count: embedders.count)
        for batch in Set(batches + [reportedBatch]).sorted() {
            let isReported = batch == reportedBatch
            var rates: [Double] = []
            for (index, loaded) in embedders.enumerated() {
                var embedder = loaded
                embedder.batchSize = batch
                let pass = fastestPass(reference.prompts, batch: batch, seconds: seconds, embed: { embedder.embed($0) },
                                       between: isReported ? timeBound : nil)
                if isReported { reportedPasses[index] = pass }
                rates.append(Double(reference.prompts.count) / pass)
            }
            guard batches.contains(batch) else { continue }
            for (rate, prefix) in zip(rates, prefixes) { figures.append((prefix + "texts_per_second_batch_\(batch)", rate)) }
            for (rate, prefix) in zip(rates, prefixes).dropFirst() { figures.append((prefix + "speedup_batch_\(batch)", rate / rates[0])) }
        }

        let sgemmGFLOPs = bound.operations / boundBatches.reduce(0, +) / 1e9
        figures += FMAPeak.measure().figures(sgemmGFLOPs: sgemmGFLOPs)
        for (index, (loaded, prefix)) in zip(embedders, prefixes).enumerated() {
            let profile = EmbeddingProfile()
            var profiled = loaded
            profiled.batchSize = reportedBatch
            _ = profiled.embed(reference.prompts, profile: profile)
            let gflops = profile.floatingPointOperations / reportedPasses[index] / 1e9
            figures += [
                (prefix + "gflop_per_text", profile.floatingPointOperations / Double(reference.prompts.count) / 1e9),
                (prefix + "gflops", gflops),
                (prefix + "gflops_ratio_to_sgemm", gflops / sgemmGFLOPs),
            ]
            let profiledTotal = profile.durations.values.reduce(Duration.zero, +).seconds
            for phase in EmbeddingProfile.Phase.allCases where phase != .hashing {
                figures.append((prefix + "\(phase.rawValue)_share", (profile.durations[phase] ?? .zero).seconds / profiledTotal))
            }
        }
        return figures
    }

    private static func chunks<T>(_ items: [T], batch: Int) -> [[T]] {
        stride(from: 0, to: items.count, by: batch).map { Array(items[$0..<min($0 + batch, items.count)]) }
    }

    /// Seconds for one pass over `texts` in calls of `batch`, each call counted at its fastest
    /// over passes repeated (after one warm-up) until `seconds` have gone by: the time least
    /// disturbed by other work on the machine. `between` runs after each timed pass, untimed.
    private static func fastestPass(_ texts: [String], batch: Int, seconds: Double,
                                    embed: ([String]) -> FloatMatrix, between: (() -> Void)? = nil) -> Double {
        let calls = chunks(texts, batch: batch)
        for call in calls { _ = embed(call) }
        let clock = ContinuousClock()
        let started = clock.now
        var fastest = [Double](repeating: .infinity, count: calls.count)
        repeat {
            for (index, call) in calls.enumerated() {
                let callStarted = clock.now
                _ = embed(call)
                fastest[index] = min(fastest[index], (clock.now - callStarted).seconds)
            }
            between?()
        } while (clock.now - started).seconds < seconds
        return fastest.reduce(0, +)
    }

    private static func batchSizes(_ text: String) throws -> [Int] {
        let sizes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 4_096 }) else {
            throw UsageError("option '--batches' expects comma-separated sizes in 1...4096, got '\(text)'")
        }
        return sizes.map { $0! }
    }
}

/// The encoder's dense products alone — tokens × hidden by the query/key/value, attention
/// output and both feed-forward weights, for the token count of every batch — on random
/// matrices: what the encoder would reach if nothing but SGEMM took time.
struct SGEMMBound {
    let batchTokens: [Int]
    let shapes: [(outputs: Int, inputs: Int)]
    private let input: [Float]
    private let weights: [[Float]]

    init(batchTokens: [Int], hidden: Int) {
        self.batchTokens = batchTokens
        let intermediate = 4 * hidden
        shapes = [(3 * hidden, hidden), (hidden, hidden), (intermediate, hidden), (hidden, intermediate)]
        var generator = SeededGenerator(seed: 1)
        input = (0..<((batchTokens.max() ?? 0) * intermediate)).map { _ in Float.random(in: -1...1, using: &generator) }
        weights = shapes.map { shape in (0..<(shape.outputs * shape.inputs)).map { _ in Float.random(in: -1...1, using: &generator) } }
    }

    var operations: Double {
        Double(batchTokens.reduce(0, +)) * shapes.reduce(0.0) { $0 + 2 * Double($1.outputs) * Double($1.inputs) }
    }

    /// Per batch, the seconds of its four products (one layer's worth: the encoder runs the same
    /// four per layer, so the rate is the same).
    func timeBatches() -> [Double] {
        var output = [Float](repeating: 0, count: input.count)
        let clock = ContinuousClock()
        return batchTokens.map { tokens in
            let started = clock.now
            for (shape, weight) in zip(shapes, weights) {
                BLASLibrary.multiply(input, weight, into: &output, m: tokens, n: shape.outputs, k: shape.inputs, transposingB: true)
            }
            return (clock.now - started).seconds
        }
    }
}

/// The arena prompts of the MiniLM reference folder and their reference embeddings.
struct ArenaReference {
    /// Ids below this are Chatbot-Arena prompts (the folder's README).
    static let arenaIDs = 0..<200

    let prompts: [String]
    let embeddings: [[Float]]

    init(directory: URL) throws {
        let textsFile = directory.appendingPathComponent("texts.jsonl")
        let embeddingsFile = directory.appendingPathComponent("embeddings.f32")
        guard let lines = try? String(contentsOf: textsFile, encoding: .utf8), let vectors = try? Data(contentsOf: embeddingsFile) else {
            throw CommandFailure("cannot read \(textsFile.path) and \(embeddingsFile.path); --reference names shared/reference/minilm")
        }
        let dimension = 384
        var prompts: [String] = []
        var embeddings: [[Float]] = []
        for (row, line) in lines.split(separator: "\n").enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = object["id"] as? Int, let text = object["text"] as? String else {
                throw CommandFailure("\(textsFile.path) line \(row + 1): expected {\"id\": N, \"text\": \"…\"}")
            }
            guard Self.arenaIDs.contains(id) else { continue }
            guard (row + 1) * dimension * 4 <= vectors.count else {
                throw CommandFailure("\(embeddingsFile.path) has fewer rows than \(textsFile.path)")
            }
            prompts.append(text)
            embeddings.append(vectors.withUnsafeBytes { raw in
                (0..<dimension).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: (row * dimension + $0) * 4, as: UInt32.self))) }
            })
        }
        guard !prompts.isEmpty else { throw CommandFailure("\(textsFile.path) holds no arena prompts (ids 0–199)") }
        self.prompts = prompts
        self.embeddings = embeddings
    }
}
