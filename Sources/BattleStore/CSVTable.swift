/// A CSV file whose first record names the columns. Rows whose field count differs from the
/// header's are reported, not guessed at.
public struct CSVTable: Sequence {
    public let columns: [String]
    private let records: CSVReader

    /// Nil when the file holds no header at all; a malformed header is an error.
    public init?(bytes: [UInt8]) throws(CSVSyntaxError) {
        var reader = CSVReader(bytes: bytes)
        guard let first = reader.next() else { return nil }
        columns = try first.get().fields
        records = reader
    }

    /// The table of a file; nil if the file is empty.
    public static func read(file: String) throws(InputError) -> CSVTable? {
        let bytes = try InputFiles.read(file)
        do {
            return try CSVTable(bytes: bytes)
        } catch {
            throw InputError("\(file):\(error.line): unreadable header: \(error.reason)")
        }
    }

    public func column(named name: String) -> Int? {
        columns.firstIndex(of: name)
    }

    public func makeIterator() -> Iterator {
        Iterator(records: records, width: columns.count)
    }

    public struct Iterator: IteratorProtocol {
        var records: CSVReader
        let width: Int

        public mutating func next() -> Result<CSVRecord, CSVSyntaxError>? {
            guard let next = records.next() else { return nil }
            return next.flatMap { record in
                record.fields.count == width ? .success(record)
                    : .failure(CSVSyntaxError(line: record.line,
                                              reason: "expected \(width) fields as in the header, found \(record.fields.count)"))
            }
        }
    }
}
