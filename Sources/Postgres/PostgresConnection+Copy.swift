import CLibPQ

extension PostgresConnection {
    /// Writes rows into `table` with `COPY … FROM STDIN` (text format), the fastest way to load
    /// many rows; returns how many were written. All rows go in or none do.
    ///
    /// Each row has one value per column, in the order of `columns`. A row of another length,
    /// or text containing U+0000, stops the COPY with an error naming the row.
    @discardableResult
    public func copy<Rows: Sequence>(into table: String, columns: [String], rows: Rows) throws -> Int
    where Rows.Element == [PostgresValue] {
        let operation = "copy into \(table)"
        let sql = "COPY \(try Self.quoteIdentifier(table)) ("
            + (try columns.map(Self.quoteIdentifier).joined(separator: ", ")) + ") FROM STDIN"
        let handle = try liveHandle(for: operation)
        try checked(PQexec(handle, sql), on: handle, operation: operation, accepting: [PGRES_COPY_IN])

        var buffer: [UInt8] = []
        buffer.reserveCapacity(Self.copyChunk + 4096)
        var localFailure: PostgresError?
        var rowNumber = 0
        for row in rows {
            rowNumber += 1
            do {
                try CopyText.append(row, expectedCount: columns.count, to: &buffer)
            } catch let reason as CopyText.Refused {
                localFailure = PostgresError(operation: operation, message: "row \(rowNumber): \(reason.message)")
                break
            }
            if buffer.count >= Self.copyChunk {
                guard send(buffer, on: handle) else { break }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if localFailure == nil, !buffer.isEmpty {
            _ = send(buffer, on: handle)
        }
        // Ending with an error message makes the server abandon the whole COPY.
        _ = PQputCopyEnd(handle, localFailure.map { $0.message })
        var written = 0
        var serverFailure: Error?
        while let result = PQgetResult(handle) {
            do {
                written = try checked(result, on: handle, operation: operation).affectedRows
            } catch {
                serverFailure = serverFailure ?? error
            }
        }
        if let failure = localFailure ?? serverFailure { throw failure }
        if PQstatus(handle) != CONNECTION_OK {
            throw PostgresError(operation: operation, message: Self.errorMessage(handle), connectionLost: true)
        }
        return written
    }

    /// Bytes handed to libpq at a time.
    private static let copyChunk = 1 << 16

    /// False when libpq could not send (the connection broke); the error surfaces from the
    /// result that follows.
    private func send(_ bytes: [UInt8], on handle: OpaquePointer) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                PQputCopyData(handle, characters.baseAddress, Int32(characters.count)) == 1
            }
        }
    }
}

/// COPY's text format: fields split by tabs, rows ended by newlines, `\N` for null, and a
/// backslash before any backslash, tab, newline or carriage return inside a value.
enum CopyText {
    struct Refused: Error {
        let message: String
    }

    static func append(_ row: [PostgresValue], expectedCount: Int, to buffer: inout [UInt8]) throws {
        guard row.count == expectedCount else {
            throw Refused(message: "\(row.count) values for \(expectedCount) columns")
        }
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let text = value.textForm else {
                buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                continue
            }
            for byte in text.utf8 {
                switch byte {
                case 0: throw Refused(message: "value \(index + 1) contains U+0000, which PostgreSQL text cannot hold")
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\n"))
    }
}
