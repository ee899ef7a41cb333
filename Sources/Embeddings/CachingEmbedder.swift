import Ranking
import Synchronization

/// An embedder that remembers the vectors of the last `capacity` distinct prompts it embedded,
/// for queues that repeat prompts (retries, templates): a prompt seen again is not embedded
/// again, and a prompt repeated within one call is embedded once. Least recently used prompts
/// are forgotten first. The vectors are the wrapped embedder's own, so routing is unchanged.
public final class CachingEmbedder: Embedder {
    public let base: any Embedder
    public let capacity: Int
    private let state: Mutex<PromptLRU>

    public init(_ base: any Embedder, capacity: Int) {
        precondition(capacity > 0, "a cache holds at least one prompt")
        self.base = base
        self.capacity = capacity
        state = Mutex(PromptLRU(capacity: capacity))
    }

    public var identity: EmbedderIdentity { base.identity }
    public var dimension: Int { base.dimension }

    public func embed(_ texts: [String]) throws -> FloatMatrix {
        var rows = [[Float]?](repeating: nil, count: texts.count)
        var missing: [String] = []
        var missingIndex: [String: Int] = [:]
        state.withLock { cache in
            for (index, text) in texts.enumerated() {
                if let vector = cache.vector(for: text) {
                    rows[index] = vector
                    cache.hits += 1
                } else if missingIndex[text] == nil {
                    missingIndex[text] = missing.count
                    missing.append(text)
                    cache.misses += 1
                } else {
                    // Embedded once with its first occurrence in this call.
                    cache.hits += 1
                }
            }
        }
        if !missing.isEmpty {
            let embedded = try base.embed(missing)
            let vectors = missing.indices.map { Array(embedded.row($0)) }
            state.withLock { cache in
                for (text, vector) in zip(missing, vectors) { cache.insert(vector, for: text) }
            }
            for (index, text) in texts.enumerated() where rows[index] == nil {
                rows[index] = vectors[missingIndex[text]!]
            }
        }
        return FloatMatrix(rows: texts.count, columns: dimension, values: rows.flatMap { $0! })
    }

    /// Prompts found in the cache (or repeated within a call) and prompts embedded, since the
    /// last call; then counts from zero again.
    public func takeCounts() -> (hits: Int, misses: Int) {
        state.withLock { cache in
            defer { cache.hits = 0; cache.misses = 0 }
            return (cache.hits, cache.misses)
        }
    }

    /// Prompts held now.
    public var count: Int { state.withLock { $0.count } }
}

/// Prompt → vector, at most `capacity` of them, forgetting the least recently used: a hash
/// table over a doubly linked list kept in arrays (slot indices, no per-entry allocation).
struct PromptLRU {
    private struct Entry {
        var text: String
        var vector: [Float]
        var newer: Int
        var older: Int
    }

    let capacity: Int
    var hits = 0
    var misses = 0
    private var slots: [String: Int] = [:]
    private var entries: [Entry] = []
    /// The most and least recently used slots; -1 when empty.
    private var newest = -1
    private var oldest = -1

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { slots.count }

    mutating func vector(for text: String) -> [Float]? {
        guard let slot = slots[text] else { return nil }
        moveToFront(slot)
        return entries[slot].vector
    }

    mutating func insert(_ vector: [Float], for text: String) {
        if let slot = slots[text] {
            entries[slot].vector = vector
            moveToFront(slot)
            return
        }
        let slot: Int
        if entries.count < capacity {
            slot = entries.count
            entries.append(Entry(text: text, vector: vector, newer: -1, older: -1))
        } else {
            // Reuse the least recently used slot.
            slot = oldest
            unlink(slot)
            slots[entries[slot].text] = nil
            entries[slot] = Entry(text: text, vector: vector, newer: -1, older: -1)
        }
        slots[text] = slot
        linkAtFront(slot)
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        linkAtFront(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let (newer, older) = (entries[slot].newer, entries[slot].older)
        if newer >= 0 { entries[newer].older = older } else { newest = older }
        if older >= 0 { entries[older].newer = newer } else { oldest = newer }
    }

    private mutating func linkAtFront(_ slot: Int) {
        entries[slot].newer = -1
        entries[slot].older = newest
        if newest >= 0 { entries[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
