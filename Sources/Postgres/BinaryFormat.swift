/// Reads result cells in the server's binary format, which does not depend on session
/// settings such as `DateStyle`, `TimeZone` or `extra_float_digits`.
enum BinaryFormat {
    struct Malformed: Error {
        let reason: String
    }

    /// The value of one non-null cell, or nil when the type has no decoder here.
    static func decode(_ bytes: UnsafeRawBufferPointer, as type: PostgresType) throws -> PostgresValue? {
        var reader = Reader(bytes)
        let value: PostgresValue
        switch type {
        case .bool: value = .bool(try reader.integer(UInt8.self) != 0)
        case .smallint: value = .smallint(try reader.integer(Int16.self))
        case .integer: value = .integer(try reader.integer(Int32.self))
        case .bigint: value = .bigint(try reader.integer(Int64.self))
        case .oid: value = .bigint(Int64(try reader.integer(UInt32.self)))
        case .real: value = .double(Double(Float(bitPattern: try reader.integer(UInt32.self))))
        case .double: value = .double(Double(bitPattern: try reader.integer(UInt64.self)))
        case .timestamptz: value = .timestamptz(PostgresTimestamp(microsecondsSince2000: try reader.integer(Int64.self)))
        case .date: value = .date(PostgresDate(daysSince2000: try reader.integer(Int32.self)))
        case .numeric: value = .numeric(try numeric(&reader))
        case .text, .varchar, .character, .name, .unknown: value = .text(String(decoding: reader.rest(), as: UTF8.self))
        case .bytea: value = .bytea(Array(reader.rest()))
        case .void: value = .null
        default: return nil
        }
        guard reader.isAtEnd else { throw Malformed(reason: "\(reader.remaining) bytes left over") }
        return value
    }

    /// `numeric` travels as base-10000 digits: a count, the weight (power of 10000) of the
    /// first digit, a sign word and the display scale (decimal places to print).
    private static func numeric(_ reader: inout Reader) throws -> PostgresNumeric {
        let count = Int(try reader.integer(Int16.self))
        let weight = Int(try reader.integer(Int16.self))
        let sign = try reader.integer(UInt16.self)
        let scale = Int(try reader.integer(Int16.self))
        var digits: [Int] = []
        for _ in 0..<max(count, 0) {
            let digit = Int(try reader.integer(Int16.self))
            guard (0..<10_000).contains(digit) else { throw Malformed(reason: "numeric digit \(digit)") }
            digits.append(digit)
        }
        switch sign {
        case 0xC000: return PostgresNumeric("NaN")!
        case 0xD000: return PostgresNumeric("Infinity")!
        case 0xF000: return PostgresNumeric("-Infinity")!
        case 0x0000, 0x4000: break
        default: throw Malformed(reason: "numeric sign \(sign)")
        }
        // The base-10000 digit with weight w (its value times 10000^w); zero outside the list.
        func digit(weight w: Int) -> Int {
            let index = weight - w
            return digits.indices.contains(index) ? digits[index] : 0
        }
        var text = sign == 0x4000 ? "-" : ""
        if weight < 0 {
            text += "0"
        } else {
            text += String(digit(weight: weight))
            for w in stride(from: weight - 1, through: 0, by: -1) {
                text += fourDigits(digit(weight: w))
            }
        }
        if scale > 0 {
            var fraction = ""
            var w = -1
            while fraction.count < scale {
                fraction += fourDigits(digit(weight: w))
                w -= 1
            }
            text += "." + fraction.prefix(scale)
        }
        guard let value = PostgresNumeric(text) else { throw Malformed(reason: "numeric \(text)") }
        return value
    }

    private static func fourDigits(_ value: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// Big-endian fields from the front of a cell.
    private struct Reader {
        private let bytes: UnsafeRawBufferPointer
        private var offset = 0

        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        var isAtEnd: Bool { offset == bytes.count }
        var remaining: Int { bytes.count - offset }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let size = MemoryLayout<T>.size
            guard remaining >= size else {
                throw Malformed(reason: "\(remaining) bytes where \(size) were expected")
            }
            var value: T = 0
            for byte in bytes[offset..<(offset + size)] {
                value = value << 8 | T(truncatingIfNeeded: byte)
            }
            offset += size
            return value
        }

        mutating func rest() -> UnsafeRawBufferPointer.SubSequence {
            defer { offset = bytes.count }
            return bytes[offset...]
        }
    }
}
