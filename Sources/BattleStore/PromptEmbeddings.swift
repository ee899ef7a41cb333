import Embeddings
import Ranking

/// Finds the embedding of a prompt without embedding it twice: from the memory's battles, then
/// from its prompt cache, and only then from the embedder. What the embedder computes can be
/// added to the cache as it goes, so an interrupted run loses at most a few seconds of work and
/// a second run (another fold, another evaluation, a resumed import) embeds nothing again.
public struct PromptEmbeddings {
    public let embedder: any Embedder
    /// Where new embeddings are cached; nil for a memory without a directory (the battles table).
    public private(set) var directory: MemoryDirectory?
    private var known: [String: ArraySlice<Float>]

    /// `battles` is the memory's content when already loaded (nil: the prompt cache alone is
    /// consulted besides the embedder).
    public init(directory: MemoryDirectory, embedder: any Embedder, battles: LoadedBattles?) throws {
        try directory.checkEmbedder(embedder.identity, dimension: embedder.dimension)
        self.directory = directory
        self.embedder = embedder
        var known = battles?.embeddingsByPrompt() ?? [:]
        for (prompt, row) in try directory.loadPromptCache() where known[prompt] == nil {
            known[prompt] = row
        }
        self.known = known
    }

    /// The prompts of `battles` (of a memory that is no directory, such as PostgreSQL's battles
    /// table) and the embedder for the rest; nothing new is cached.
    public init(embedder: any Embedder, battles: LoadedBattles) {
        directory = nil
        self.embedder = embedder
        known = battles.embeddingsByPrompt()
    }

    public var dimension: Int { embedder.dimension }

    /// How many of `prompts` (distinct) have no embedding yet.
    public func missing(_ prompts: [String]) -> [String] {
        var seen = Set<String>()
        return prompts.filter { known[$0] == nil && seen.insert($0).inserted }
    }

    /// New embeddings reach the prompt cache at least this often (and at the end): a crash
    /// loses at most this much embedding work, and a fast embedder does not pay a flush to disk
    /// per batch.
    public static let cacheInterval: Duration = .seconds(5)

    /// One row per prompt, in order. Prompts without a stored embedding are embedded
    /// `batchSize` at a time; `progress` hears (embedded so far, to embed in all) after each batch.
    public mutating func embeddings(for prompts: [String], cacheNew: Bool, batchSize: Int = 64,
                                    progress: (Int, Int) -> Void = { _, _ in }) throws -> FloatMatrix {
        let toEmbed = missing(prompts)
        let clock = ContinuousClock()
        var lastCached = clock.now
        var pending: (prompts: [String], values: [Float]) = ([], [])
        progress(0, toEmbed.count)
        for start in stride(from: 0, to: toEmbed.count, by: batchSize) {
            let batch = Array(toEmbed[start..<min(start + batchSize, toEmbed.count)])
            let matrix = try embedder.embed(batch)
            guard matrix.rows == batch.count, matrix.columns == dimension else {
                throw EmbedderContractError(embedder: embedder.identity, texts: batch.count, rows: matrix.rows, dimension: matrix.columns)
            }
            for (index, prompt) in batch.enumerated() { known[prompt] = matrix.row(index) }
            if cacheNew, directory != nil {
                pending.prompts += batch
                pending.values += matrix.values
                let last = start + batchSize >= toEmbed.count
                if last || clock.now - lastCached >= Self.cacheInterval {
                    try directory?.addToPromptCache(pending.prompts, embeddings: pending.values)
                    pending = ([], [])
                    lastCached = clock.now
                }
            }
            progress(min(start + batchSize, toEmbed.count), toEmbed.count)
        }
        var values: [Float] = []
        values.reserveCapacity(prompts.count * dimension)
        for prompt in prompts { values += known[prompt]! }
        return FloatMatrix(rows: prompts.count, columns: dimension, values: values)
    }
}

/// An embedder returned a matrix of the wrong shape: a fault in the embedder, reported rather
/// than stored.
public struct EmbedderContractError: Error, CustomStringConvertible {
    let embedder: EmbedderIdentity
    let texts: Int
    let rows: Int
    let dimension: Int

    public var description: String {
        "embedder \(embedder) returned \(rows) × \(dimension) for \(texts) texts"
    }
}
