/// How the battles table stores an embedding in `bytea`: float32 values, little-endian, one
/// after another (4 bytes a dimension, a quarter of the size of `real[]`'s text form).
enum EmbeddingBytes {
    static func encode(_ values: some Collection<Float>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = value.bitPattern
            bytes.append(contentsOf: [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8),
                                      UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)])
        }
        return bytes
    }

    /// Appends the values of `bytes` (a multiple of 4 long) to `values`.
    static func decode(_ bytes: [UInt8], appendingTo values: inout [Float]) {
        precondition(bytes.count % 4 == 0, "an embedding is whole float32 values")
        var index = 0
        while index < bytes.count {
            let bits = UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
                | UInt32(bytes[index + 3]) << 24
            values.append(Float(bitPattern: bits))
            index += 4
        }
    }
}
