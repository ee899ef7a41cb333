import Foundation

/// Reads a file (or standard input) line by line in large blocks, handing out each line's bytes
/// without its line break. A line longer than `maximumLineBytes` is not held in memory: it is
/// reported as too long and skipped to its end.
struct LineReader {
    enum Line {
        case bytes([UInt8])
        case tooLong
    }

    static let blockSize = 1 << 20

    private let handle: FileHandle
    private let maximumLineBytes: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false

    init(handle: FileHandle, maximumLineBytes: Int) {
        self.handle = handle
        self.maximumLineBytes = maximumLineBytes
    }

    /// Reads the file at `path`, or standard input when `path` is nil or `-`.
    init(path: String?, maximumLineBytes: Int) throws {
        guard let path, path != "-" else {
            self.init(handle: .standardInput, maximumLineBytes: maximumLineBytes)
            return
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CommandFailure("cannot open \(path)") }
        self.init(handle: handle, maximumLineBytes: maximumLineBytes)
    }

    /// The next line, or nil at the end of the input. A final line without a line break counts.
    mutating func next() throws -> Line? {
        var line: [UInt8] = []
        var overflowed = false
        while true {
            if position == buffer.count {
                if atEnd { return line.isEmpty && !overflowed ? nil : finish(line, overflowed) }
                guard let block = try handle.read(upToCount: Self.blockSize), !block.isEmpty else {
                    atEnd = true
                    continue
                }
                buffer = Array(block)
                position = 0
            }
            let end = buffer[position...].firstIndex(of: 0x0A)
            let chunk = buffer[position..<(end ?? buffer.count)]
            if !overflowed {
                if line.count + chunk.count > maximumLineBytes {
                    overflowed = true
                    line = []
                } else {
                    line.append(contentsOf: chunk)
                }
            }
            if let end {
                position = end + 1
                return finish(line, overflowed)
            }
            position = buffer.count
        }
    }

    private func finish(_ line: [UInt8], _ overflowed: Bool) -> Line {
        if overflowed { return .tooLong }
        // Tolerate CRLF files.
        return .bytes(line.last == 0x0D ? Array(line.dropLast()) : line)
    }
}
