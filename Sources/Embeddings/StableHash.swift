/// A 64-bit hash that is the same in every process and on every machine: FNV-1a over the input,
/// then a SplitMix64 finaliser so that every output bit depends on every input bit.
///
/// Swift's `Hasher` is seeded randomly per process, so it cannot place a feature in the same
/// dimension tomorrow or on another host; this one can.
struct StableHash {
    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    private(set) var state: UInt64

    /// Different seeds give independent hash functions over the same inputs.
    init(seed: UInt64 = 0) {
        state = Self.offsetBasis ^ (seed &* 0x9e37_79b9_7f4a_7c15)
    }

    @inline(__always)
    mutating func combine(_ value: UInt8) {
        state = (state ^ UInt64(value)) &* Self.prime
    }

    /// One Unicode scalar (or any 32-bit unit) in a single step.
    @inline(__always)
    mutating func combine(_ value: UInt32) {
        state = (state ^ UInt64(value)) &* Self.prime
    }

    @inline(__always)
    mutating func combine(_ value: UInt64) {
        state = (state ^ value) &* Self.prime
    }

    mutating func combine(bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes { combine(byte) }
    }

    var finalized: UInt64 {
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
