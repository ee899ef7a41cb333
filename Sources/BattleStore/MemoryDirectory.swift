import Embeddings
import Foundation
import Ranking

/// A battle memory on disk:
///
/// ```
/// DIR/manifest.json        embedder, dimension, counts, models with ratings and tiers (the commit point)
/// DIR/battles.jsonl        one battle per line: prompt, model_a, model_b, winner, source, time
/// DIR/embeddings.f32       one float32 row per battle (little-endian, unit length)
/// DIR/prompt-cache.jsonl   prompts embedded for routing or evaluation, one JSON string per line
/// DIR/prompt-cache.f32     their embeddings
/// ```
///
/// An append writes the data files past their committed ends, flushes them, then replaces the
/// manifest atomically. A crash before the rename leaves the old manifest, which does not count
/// the new bytes: the memory reads as it was before the append, and the next append cuts them
/// off. Appends take an exclusive lock on the directory, so concurrent writers take turns.
public struct MemoryDirectory: Sendable {
    public static let defaultTierCount = 10

    public let url: URL
    /// As read when opened, or after this value's last append.
    public private(set) var manifest: MemoryManifest

    private var manifestURL: URL { url.appendingPathComponent("manifest.json") }
    private var battleLog: EmbeddedRecordLog { EmbeddedRecordLog(directory: url, text: "battles.jsonl", rows: "embeddings.f32", dimension: manifest.dimension) }
    private var cacheLog: EmbeddedRecordLog { EmbeddedRecordLog(directory: url, text: "prompt-cache.jsonl", rows: "prompt-cache.f32", dimension: manifest.dimension) }

    /// Opens an existing memory.
    public static func open(_ url: URL) throws(StoreError) -> MemoryDirectory {
        let manifestURL = url.appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: manifestURL.path) else {
            throw .notAMemory(url.path)
        }
        let manifest: MemoryManifest
        do {
            manifest = try MemoryManifest.decode([UInt8](data))
        } catch {
            throw .damaged("\(manifestURL.path) cannot be read: \(error)")
        }
        guard manifest.format == MemoryManifest.currentFormat else {
            throw .damaged("\(manifestURL.path) has format '\(manifest.format)', this version reads '\(MemoryManifest.currentFormat)'")
        }
        return MemoryDirectory(url: url, manifest: manifest)
    }

    /// Opens the memory at `url`, or creates an empty one there (and the directory) if the
    /// directory is new or empty. An existing memory must have been built by the same embedder;
    /// a directory holding other files is refused rather than mixed into.
    public static func openOrCreate(_ url: URL, embedder: EmbedderIdentity, dimension: Int,
                                    tierCount: Int = defaultTierCount) throws -> MemoryDirectory {
        precondition(dimension > 0 && tierCount > 0)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw StoreError.notAMemory("\(url.path) (cannot create it: \(error.localizedDescription))")
        }
        return try DurableFiles.withLock(on: url) {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("manifest.json").path) {
                let existing = try open(url)
                try existing.checkEmbedder(embedder, dimension: dimension)
                return existing
            }
            let others = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter { $0 != ".lock" }
            guard others.isEmpty else {
                throw StoreError.occupied(directory: url.path, example: others.sorted()[0])
            }
            let created = MemoryDirectory(url: url, manifest: MemoryManifest(embedder: embedder, dimension: dimension, tierCount: tierCount))
            try DurableFiles.replace(created.manifestURL, with: created.manifest.encoded())
            return created
        }
    }

    /// Refuses vectors from any other embedder than the one the memory was built with.
    public func checkEmbedder(_ identity: EmbedderIdentity, dimension: Int) throws(StoreError) {
        guard identity == manifest.embedder else {
            throw .embedderMismatch(directory: url.path, stored: manifest.embedder.description, given: identity.description)
        }
        guard dimension == manifest.dimension else {
            throw .dimensionMismatch(directory: url.path, stored: manifest.dimension, given: dimension)
        }
    }

    /// Appends battles with their prompts' embeddings (`battles.count × dimension` values, each
    /// row normalised to unit length here), all or nothing, and refits ratings and tiers.
    /// `tierCount` changes the memory's number of tiers.
    public mutating func append(_ battles: [LabelledBattle], embeddings: [Float], tierCount: Int? = nil) throws {
        let dimension = manifest.dimension
        guard embeddings.count == battles.count * dimension else {
            throw StoreError.badBattle(index: battles.count, reason: "\(embeddings.count) embedding values for \(battles.count) battles of \(dimension) dimensions")
        }
        var rows: [Float] = []
        rows.reserveCapacity(embeddings.count)
        var lines: [[UInt8]] = []
        lines.reserveCapacity(battles.count)
        let encoder = Self.lineEncoder()
        for (index, battle) in battles.enumerated() {
            guard battle.modelA != battle.modelB else {
                throw StoreError.badBattle(index: index, reason: "both sides are '\(battle.modelA)'")
            }
            do {
                rows += try checkedGivenEmbedding(Array(embeddings[(index * dimension)..<((index + 1) * dimension)]), dimension: dimension)
            } catch {
                throw StoreError.badBattle(index: index, reason: error.description)
            }
            lines.append([UInt8](try encoder.encode(BattleLine(battle))))
        }
        try DurableFiles.withLock(on: url) {
            var latest = try Self.open(url).manifest
            guard latest.embedder == manifest.embedder, latest.dimension == dimension else {
                throw StoreError.embedderMismatch(directory: url.path, stored: latest.embedder.description, given: manifest.embedder.description)
            }
            latest.battles = try battleLog.append(lines: lines, rows: rows, after: latest.battles)
            if let tierCount { latest.tierCount = tierCount }
            latest.add(battles)
            latest.updated = BattleTime.string(Date())
            try DurableFiles.replace(manifestURL, with: latest.encoded())
            manifest = latest
        }
    }

    /// Every committed battle and its embedding.
    public func load() throws -> LoadedBattles {
        let (lines, rows) = try battleLog.read(manifest.battles)
        let decoder = JSONDecoder()
        let battles = try lines.enumerated().map { index, line in
            do {
                return try decoder.decode(BattleLine.self, from: Data(line)).battle
            } catch {
                throw StoreError.damaged("\(battleLog.textURL.path):\(index + 1): \(error)")
            }
        }
        return LoadedBattles(battles: battles, embeddings: rows, dimension: manifest.dimension, embedder: manifest.embedder)
    }

    /// The prompts embedded earlier for routing or evaluation, with their embeddings (views of
    /// one array).
    public func loadPromptCache() throws -> [String: ArraySlice<Float>] {
        let (lines, rows) = try cacheLog.read(manifest.promptCache)
        let dimension = manifest.dimension
        var cache: [String: ArraySlice<Float>] = [:]
        cache.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            guard let prompt = try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed]) as? String else {
                throw StoreError.damaged("\(cacheLog.textURL.path):\(index + 1): not a JSON string")
            }
            cache[prompt] = rows[(index * dimension)..<((index + 1) * dimension)]
        }
        return cache
    }

    /// Stores the kernel sharpness chosen on the memory's first `battles` battles, unless
    /// another append has come since (its import chooses again).
    public mutating func record(_ sharpness: SharpnessSelection, forBattles battles: Int) throws {
        try DurableFiles.withLock(on: url) {
            var latest = try Self.open(url).manifest
            guard latest.battleCount == battles else { return }
            latest.kernelSharpness = ManifestSharpness(sharpness)
            try DurableFiles.replace(manifestURL, with: latest.encoded())
            manifest = latest
        }
    }

    /// Keeps embeddings of prompts for the next run (`prompts.count × dimension` values).
    public mutating func addToPromptCache(_ prompts: [String], embeddings: [Float]) throws {
        guard !prompts.isEmpty else { return }
        precondition(embeddings.count == prompts.count * manifest.dimension, "one embedding per prompt")
        let lines = try prompts.map { [UInt8](try JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed, .withoutEscapingSlashes])) }
        try DurableFiles.withLock(on: url) {
            var latest = try Self.open(url).manifest
            latest.promptCache = try cacheLog.append(lines: lines, rows: embeddings, after: latest.promptCache)
            try DurableFiles.replace(manifestURL, with: latest.encoded())
            manifest = latest
        }
    }

    static func lineEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
