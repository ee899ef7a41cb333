import CLibPQ

extension PostgresConnection {
    /// Streams the rows of `query` out of the server with `COPY (query) TO STDOUT` in the binary
    /// format, the fastest way to read many rows: nothing is converted to text and back, and
    /// rows are handed to `body` as they arrive instead of being held as one result. Returns how
    /// many rows were read.
    ///
    /// `types` are the query's column types in order (the binary format does not carry them);
    /// a cell of another size, or a row with another number of columns, is an error naming the
    /// row. `COPY` takes no parameters, so `query` must be constant SQL: no data in it. When
    /// `body` throws, the rest of the rows are read and dropped, then its error is rethrown.
    @discardableResult
    public func copyOut(_ query: String, types: [PostgresType], row body: ([PostgresValue]) throws -> Void) throws -> Int {
        let operation = "copy out"
        let handle = try liveHandle(for: operation)
        try checked(PQexec(handle, "COPY (\(query)) TO STDOUT (FORMAT binary)"), on: handle, operation: operation,
                    accepting: [PGRES_COPY_OUT])
        var parser = CopyBinaryParser(types: types)
        var failure: Error?
        while true {
            var chunk: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &chunk, 0)
            if length == -1 { break }
            guard length >= 0, let chunk else {
                failure = failure ?? PostgresError(operation: operation, message: Self.errorMessage(handle),
                                                   connectionLost: PQstatus(handle) != CONNECTION_OK)
                break
            }
            defer { PQfreemem(chunk) }
            guard failure == nil else { continue }
            do {
                try parser.feed(UnsafeRawBufferPointer(start: chunk, count: Int(length)), row: body)
            } catch {
                failure = error
            }
        }
        var serverFailure: Error?
        while let result = PQgetResult(handle) {
            do {
                try checked(result, on: handle, operation: operation)
            } catch {
                serverFailure = serverFailure ?? error
            }
        }
        if let error = serverFailure ?? failure { throw error }
        if let problem = parser.problemAtEnd {
            throw PostgresError(operation: operation, message: problem)
        }
        return parser.rows
    }
}

/// The binary COPY stream: an 11-byte signature, flags and a header extension, then per row a
/// 16-bit column count and per column a 32-bit length (−1 for null) and that many bytes, all
/// big-endian, and a count of −1 at the end. Chunks from the server need not end on a row's
/// end, so what is left of one is kept for the next.
struct CopyBinaryParser {
    private static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]

    let types: [PostgresType]
    private(set) var rows = 0
    private var pending: [UInt8] = []
    private var headerRead = false
    private var ended = false

    init(types: [PostgresType]) {
        self.types = types
    }

    /// Why the stream was incomplete, once it has ended; nil when it was whole.
    var problemAtEnd: String? {
        if !ended { return "the COPY stream ended without its trailer" }
        return pending.isEmpty ? nil : "\(pending.count) bytes after the COPY trailer"
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer, row body: ([PostgresValue]) throws -> Void) throws {
        pending.append(contentsOf: bytes)
        var offset = 0
        defer { pending.removeFirst(offset) }
        try pending.withUnsafeBytes { buffer in
            if !headerRead {
                let fixed = Self.signature.count + 8
                guard buffer.count >= fixed else { return }
                guard Array(buffer[0..<Self.signature.count]) == Self.signature else {
                    throw Self.malformed("the COPY stream does not start with the binary signature")
                }
                let extensionLength = Int(Self.integer(Int32.self, buffer, at: Self.signature.count + 4))
                guard buffer.count >= fixed + extensionLength else { return }
                offset = fixed + extensionLength
                headerRead = true
            }
            while !ended, let (consumed, values) = try nextRow(buffer, from: offset) {
                offset += consumed
                if let values {
                    rows += 1
                    try body(values)
                } else {
                    ended = true
                }
            }
        }
    }

    /// The row starting at `start` and the bytes it takes; nil when it has not fully arrived;
    /// nil values for the trailer.
    private func nextRow(_ buffer: UnsafeRawBufferPointer, from start: Int) throws -> (Int, [PostgresValue]?)? {
        guard buffer.count - start >= 2 else { return nil }
        let columnCount = Int(Self.integer(Int16.self, buffer, at: start))
        if columnCount == -1 { return (2, nil) }
        guard columnCount == types.count else {
            throw Self.malformed("row \(rows + 1) has \(columnCount) columns, \(types.count) were expected")
        }
        var offset = start + 2
        var values: [PostgresValue] = []
        values.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            guard buffer.count - offset >= 4 else { return nil }
            let length = Int(Self.integer(Int32.self, buffer, at: offset))
            offset += 4
            if length == -1 {
                values.append(.null)
                continue
            }
            guard length >= 0 else { throw Self.malformed("row \(rows + 1) column \(column + 1) has length \(length)") }
            guard buffer.count - offset >= length else { return nil }
            let cell = UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + length)])
            offset += length
            do {
                guard let value = try BinaryFormat.decode(cell, as: types[column]) else {
                    throw Self.malformed("column \(column + 1) has type \(types[column]), which this client does not decode")
                }
                values.append(value)
            } catch let problem as BinaryFormat.Malformed {
                throw Self.malformed("row \(rows + 1) column \(column + 1) (\(types[column])) is malformed: \(problem.reason)")
            }
        }
        return (offset - start, values)
    }

    private static func integer<T: FixedWidthInteger>(_: T.Type, _ buffer: UnsafeRawBufferPointer, at offset: Int) -> T {
        var value: T = 0
        for byte in buffer[offset..<(offset + MemoryLayout<T>.size)] {
            value = value << 8 | T(truncatingIfNeeded: byte)
        }
        return value
    }

    private static func malformed(_ message: String) -> PostgresError {
        PostgresError(operation: "copy out", message: message)
    }
}
