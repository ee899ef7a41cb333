import Foundation
import Postgres

/// A time given on the command line: `2026-11-01` (midnight UTC) or an RFC 3339 timestamp.
enum TimeOption {
    static func value(_ arguments: ParsedArguments, _ option: String) throws -> PostgresTimestamp? {
        guard let text = arguments.string(option) else { return nil }
        if let day = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return PostgresTimestamp(day) }
        if let moment = try? Date(text, strategy: .iso8601) { return PostgresTimestamp(moment) }
        if let moment = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return PostgresTimestamp(moment) }
        throw UsageError("option '--\(option)': '\(text)' is neither a date (2026-11-01) nor an RFC 3339 timestamp")
    }
}
