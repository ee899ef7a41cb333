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

    public static let levelVariable = "ROUTELEDGER_LOG_LEVEL"

    /// The least level logged unless a log says otherwise: `$ROUTELEDGER_LOG_LEVEL` (debug, info,
    /// warning or error; read once, at the first log made), else info.
    public static let defaultMinimumLevel: Level = {
        guard let name = ProcessInfo.processInfo.environment[levelVariable], !name.isEmpty else { return .info }
        if let level = [Level.debug, .info, .warning, .error].first(where: { $0.label == name.lowercased() }) { return level }
        FileHandle.standardError.write(Data("\(levelVariable)='\(name)' is not debug, info, warning or error: logging at info\n".utf8))
        return .info
    }()

    public let component: String
    public let minimumLevel: Level
    private static let writeLock = Mutex(())

    public init(component: String, minimumLevel: Level = StageLog.defaultMinimumLevel) {
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
