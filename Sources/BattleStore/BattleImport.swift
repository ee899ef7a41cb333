import Embeddings
import Foundation
import Ranking

/// Adds imported battles to a memory directory: embeds each distinct prompt once (or finds it
/// already embedded), then appends every battle in one commit; then chooses the kernel sharpness
/// on the whole memory and stores it in the manifest (a second commit: a crash between the two
/// leaves a memory without a choice, which routers make at load).
///
/// Every prompt embedded here passes through the prompt cache, so looking there finds the
/// prompts of earlier imports without reading all of the memory's battles.
public enum BattleImport {
    /// Creates the memory if needed. Returns the directory as it stands after the append.
    public static func append(_ imported: ImportedBattles, to url: URL, embedder: any Embedder, tierCount: Int?,
                              batchSize: Int = 64, progress: (Int, Int) -> Void = { _, _ in }) throws -> MemoryDirectory {
        var directory = try MemoryDirectory.openOrCreate(url, embedder: embedder.identity, dimension: embedder.dimension,
                                                         tierCount: tierCount ?? MemoryDirectory.defaultTierCount)
        var embeddings = try PromptEmbeddings(directory: directory, embedder: embedder, battles: nil)
        let matrix = try embeddings.embeddings(for: imported.battles.map(\.prompt), cacheNew: true,
                                               batchSize: batchSize, progress: progress)
        // The prompt cache grew: the directory as it stands now.
        directory = embeddings.directory ?? directory
        try directory.append(imported.battles, embeddings: matrix.values, tierCount: tierCount)
        let routing = try directory.routingMemory()
        try directory.record(SharpnessSelection(memory: routing.memory, tierOfModel: routing.tierOfModel),
                             forBattles: directory.manifest.battleCount)
        return directory
    }
}
