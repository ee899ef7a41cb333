import Foundation
import Synchronization

/// Plain line-oriented logging to standard error: time, level, component, message and
/// key=value fields. One line per event, so logs can be grepped and shipped as they are.
/// Secrets never reach it: callers log names and counts, never configuration values.
public struct StageLog: Sendable {
    public enum Level: Int, Sendable, Comparable {
        case debug, info, warning, error

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var label: String { ["debug", "info", "warning", "error"][rawValue] }
    }

    public let component: String
    public let minimumLevel: Level
    private static let writeLock = Mutex(())

    public init(component: String, minimumLevel: Level = .info) {
        self.component = component
        self.minimumLevel = minimumLevel
    }

    public func callAsFunction(_ level: Level, _ message: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        guard level >= minimumLevel else { return }
        var line = "\(formatTimestamp(Date())) \(level.label) \(component): \(message)"
        for (key, value) in fields { line += " \(key)=\(value)" }
        line += "\n"
        Self.writeLock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }
}
