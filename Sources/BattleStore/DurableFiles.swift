import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The file operations a crash-safe append is built from: appending after a known committed
/// length (cutting off whatever an interrupted append left beyond it), replacing a small file
/// atomically, and holding a directory's lock. Every write is flushed to the disk (`fsync`)
/// before the step that makes it visible.
enum DurableFiles {
    /// Cuts the file to `committedBytes`, appends `data`, flushes it; creates the file if absent.
    static func append(_ data: [UInt8], to url: URL, committedBytes: Int) throws(StoreError) {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .system("open \(url.path)", errno) }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(committedBytes)) == 0 else { throw .system("truncate \(url.path)", errno) }
        guard lseek(descriptor, off_t(committedBytes), SEEK_SET) >= 0 else { throw .system("seek \(url.path)", errno) }
        try writeAll(data, to: descriptor, path: url.path)
        guard fsync(descriptor) == 0 else { throw .system("fsync \(url.path)", errno) }
    }

    /// Writes `data` to a temporary file beside `url`, flushes it and renames it over `url`, so
    /// a reader (or a crash) sees either the old file or the new one, never a mixture.
    static func replace(_ url: URL, with data: [UInt8]) throws(StoreError) {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .system("open \(temporary.path)", errno) }
        do {
            defer { close(descriptor) }
            try writeAll(data, to: descriptor, path: temporary.path)
            guard fsync(descriptor) == 0 else { throw StoreError.system("fsync \(temporary.path)", errno) }
        }
        guard rename(temporary.path, url.path) == 0 else { throw .system("rename \(temporary.path)", errno) }
        try syncDirectory(url.deletingLastPathComponent())
    }

    /// Makes renames and new files in the directory durable.
    static func syncDirectory(_ url: URL) throws(StoreError) {
        let descriptor = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system("open \(url.path)", errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .system("fsync \(url.path)", errno) }
    }

    /// The first `count` bytes of a file; fails if it is shorter.
    static func readPrefix(_ url: URL, count: Int) throws(StoreError) -> [UInt8] {
        guard count > 0 else { return [] }
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw .damaged("\(url.path) is missing or unreadable")
        }
        defer { try? handle.close() }
        let data: Data?
        do {
            data = try handle.read(upToCount: count)
        } catch {
            throw .damaged("cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let data, data.count == count else {
            throw .damaged("\(url.path) is shorter than its committed \(count) bytes")
        }
        return [UInt8](data)
    }

    /// The first `count` little-endian float32 values of a file, read straight into the array
    /// (a memory of 100,000 battles holds 150 MB of them); fails if the file is shorter.
    static func readFloats(_ url: URL, count: Int) throws(StoreError) -> [Float] {
        guard count > 0 else { return [] }
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .damaged("\(url.path) is missing or unreadable") }
        defer { close(descriptor) }
        var failure: Int32 = 0
        var values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var filled = 0
            while filled < raw.count {
                let result = read(descriptor, raw.baseAddress! + filled, raw.count - filled)
                if result < 0, errno == EINTR { continue }
                if result <= 0 {
                    failure = result < 0 ? errno : -1
                    break
                }
                filled += result
            }
            initialized = filled / MemoryLayout<Float>.size
        }
        guard failure == 0 else {
            throw failure > 0 ? .system("read \(url.path)", failure) : .damaged("\(url.path) is shorter than its committed \(count * 4) bytes")
        }
        #if _endian(big)
        for index in values.indices { values[index] = Float(bitPattern: UInt32(littleEndian: values[index].bitPattern)) }
        #endif
        return values
    }

    /// Runs `body` holding an exclusive lock on `directory/.lock`, so two processes appending
    /// to one memory take turns.
    static func withLock<T>(on directory: URL, _ body: () throws -> T) throws -> T {
        let path = directory.appendingPathComponent(".lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StoreError.system("open \(path)", errno) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StoreError.system("lock \(path)", errno) }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    private static func writeAll(_ data: [UInt8], to descriptor: Int32, path: String) throws(StoreError) {
        var written = 0
        while written < data.count {
            let result = data.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress! + written, data.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .system("write \(path)", errno)
            }
            written += result
        }
    }
}
