import Foundation

/// Two files that grow together: a text file with one JSON line per entry, and a file of one
/// row of `dimension` little-endian float32 values per entry. How much of them is committed is
/// kept elsewhere (in the manifest), so an append that dies half-way is invisible.
struct EmbeddedRecordLog {
    let textURL: URL
    let floatURL: URL
    let dimension: Int

    init(directory: URL, text: String, rows: String, dimension: Int) {
        textURL = directory.appendingPathComponent(text)
        floatURL = directory.appendingPathComponent(rows)
        self.dimension = dimension
    }

    /// The committed lines (without their line breaks) and rows.
    func read(_ committed: CommittedLength) throws(StoreError) -> (lines: [ArraySlice<UInt8>], rows: [Float]) {
        let text = try DurableFiles.readPrefix(textURL, count: committed.textBytes)
        let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        guard text.last == UInt8(ascii: "\n") || text.isEmpty, lines.count == committed.entries else {
            throw .damaged("\(textURL.path) holds \(lines.count) committed lines, the manifest says \(committed.entries)")
        }
        guard committed.floatBytes == committed.entries * dimension * 4 else {
            throw .damaged("the manifest gives \(textURL.lastPathComponent) \(committed.entries) entries but \(committed.floatBytes) bytes of rows")
        }
        return (Array(lines), try DurableFiles.readFloats(floatURL, count: committed.floatBytes / 4))
    }

    /// Appends after the committed extent and returns the new extent, to be committed by the
    /// caller. `lines` must not contain line breaks; `rows` holds `lines.count × dimension`
    /// values.
    func append(lines: [[UInt8]], rows: [Float], after committed: CommittedLength) throws(StoreError) -> CommittedLength {
        precondition(rows.count == lines.count * dimension, "one row per line")
        var text: [UInt8] = []
        text.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
        for line in lines {
            text += line
            text.append(UInt8(ascii: "\n"))
        }
        var floats = [UInt8](repeating: 0, count: rows.count * 4)
        floats.withUnsafeMutableBytes { bytes in
            for (index, value) in rows.enumerated() {
                bytes.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: index * 4, as: UInt32.self)
            }
        }
        try DurableFiles.append(text, to: textURL, committedBytes: committed.textBytes)
        try DurableFiles.append(floats, to: floatURL, committedBytes: committed.floatBytes)
        return CommittedLength(entries: committed.entries + lines.count,
                               textBytes: committed.textBytes + text.count,
                               floatBytes: committed.floatBytes + floats.count)
    }
}
