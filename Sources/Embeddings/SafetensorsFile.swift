import Foundation

/// A `.safetensors` file: an 8-byte little-endian header length, a JSON header naming every
/// tensor's dtype, shape and byte range, then the tensor bytes.
///
/// The header is checked as a whole when the file is opened (every range inside the file and of
/// the size its dtype and shape imply), so a truncated or hand-edited file fails here with what
/// is wrong, not later with a crash or garbage numbers.
public struct SafetensorsFile: Sendable {
    public struct Tensor: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range within the file (header included).
        public let bytes: Range<Int>
    }

    public let tensors: [String: Tensor]
    public let metadata: [String: String]
    private let contents: Data

    /// Bytes per element of the dtypes the format defines.
    static let elementSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "U16": 2, "I16": 2, "F16": 2, "BF16": 2,
        "U32": 4, "I32": 4, "F32": 4, "U64": 8, "I64": 8, "F64": 8,
    ]
    /// Far beyond any real header; refuses a length field read from garbage.
    static let maximumHeaderBytes = 100 << 20

    public init(contentsOf url: URL) throws(SafetensorsError) {
        let contents: Data
        do {
            contents = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .unreadable(error.localizedDescription)
        }
        try self.init(contents: contents)
    }

    public init(contents: Data) throws(SafetensorsError) {
        guard contents.count >= 8 else { throw .truncated("the file has \(contents.count) bytes, fewer than the 8-byte header length") }
        let headerLength = contents.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(Self.maximumHeaderBytes) else {
            throw .badHeader("header length \(headerLength) bytes is implausible")
        }
        let dataStart = 8 + Int(headerLength)
        guard dataStart <= contents.count else {
            throw .truncated("the header needs \(headerLength) bytes, the file has \(contents.count - 8) after the length")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: contents.subdata(in: 8..<dataStart))
        } catch {
            throw .badHeader("the header is not JSON")
        }
        guard let entries = json as? [String: Any] else { throw .badHeader("the header is not a JSON object") }

        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        let dataBytes = contents.count - dataStart
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let pairs = value as? [String: String] else { throw .badHeader("__metadata__ is not an object of strings") }
                metadata = pairs
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw .badHeader("tensor '\(name)' lacks a dtype, shape or data_offsets pair") }
            guard let elementSize = Self.elementSizes[dtype] else { throw .badHeader("tensor '\(name)' has unknown dtype \(dtype)") }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw .badHeader("tensor '\(name)' has a negative size or reversed offsets")
            }
            let (elements, overflow) = shape.reduce((1, false)) { partial, extent in
                let product = partial.0.multipliedReportingOverflow(by: extent)
                return (product.partialValue, partial.1 || product.overflow)
            }
            let byteCount = elements.multipliedReportingOverflow(by: elementSize)
            guard !overflow, !byteCount.overflow, byteCount.partialValue == offsets[1] - offsets[0] else {
                throw .badHeader("tensor '\(name)' has \(offsets[1] - offsets[0]) bytes, not what its shape \(shape) of \(dtype) needs")
            }
            guard offsets[1] <= dataBytes else {
                throw .truncated("tensor '\(name)' ends at byte \(offsets[1]) of the data, the file holds \(dataBytes)")
            }
            tensors[name] = Tensor(dtype: dtype, shape: shape, bytes: (dataStart + offsets[0])..<(dataStart + offsets[1]))
        }
        self.tensors = tensors
        self.metadata = metadata
        self.contents = contents
    }

    /// The values of a float32 tensor, which must have exactly `shape`.
    public func floats(_ name: String, shape: [Int]) throws(SafetensorsError) -> [Float] {
        guard let tensor = tensors[name] else { throw .missingTensor(name) }
        guard tensor.dtype == "F32" else { throw .wrongType(tensor: name, expected: "F32", actual: tensor.dtype) }
        guard tensor.shape == shape else { throw .wrongShape(tensor: name, expected: shape, actual: tensor.shape) }
        let count = tensor.bytes.count / 4
        return contents.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: tensor.bytes.lowerBound + index * 4, as: UInt32.self)
                    buffer[index] = Float(bitPattern: UInt32(littleEndian: bits))
                }
                initialized = count
            }
        }
    }

    /// A hash of every byte, to tell one set of weights from another.
    var fingerprint: UInt64 {
        contents.withUnsafeBytes { raw in
            var hash = StableHash(seed: UInt64(raw.count))
            let words = raw.count / 8
            for index in 0..<words { hash.combine(raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
            for index in (words * 8)..<raw.count { hash.combine(raw[index]) }
            return hash.finalized
        }
    }
}

public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    case unreadable(String)
    case truncated(String)
    case badHeader(String)
    case missingTensor(String)
    case wrongType(tensor: String, expected: String, actual: String)
    case wrongShape(tensor: String, expected: [Int], actual: [Int])

    public var description: String {
        switch self {
        case .unreadable(let reason): "unreadable: \(reason)"
        case .truncated(let reason): "truncated: \(reason)"
        case .badHeader(let reason): "bad header: \(reason)"
        case .missingTensor(let name): "no tensor '\(name)'"
        case .wrongType(let name, let expected, let actual): "tensor '\(name)' is \(actual), expected \(expected)"
        case .wrongShape(let name, let expected, let actual): "tensor '\(name)' has shape \(actual), expected \(expected)"
        }
    }
}
