import Foundation

/// A `timestamp with time zone` as the server stores it: whole microseconds since
/// 2000-01-01 00:00:00 UTC, so values round-trip exactly (a `Date` is a binary float).
public struct PostgresTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let microsecondsSince2000: Int64

    public init(microsecondsSince2000: Int64) {
        self.microsecondsSince2000 = microsecondsSince2000
    }

    /// The nearest microsecond; dates beyond the representable range become an infinity.
    public init(_ date: Date) {
        let microseconds = (date.timeIntervalSinceReferenceDate * 1_000_000).rounded()
        guard let sinceReference = Int64(exactly: microseconds),
              case (let value, false) = sinceReference.addingReportingOverflow(Self.referenceDateOffset)
        else {
            self = microseconds < 0 ? .negativeInfinity : .infinity
            return
        }
        microsecondsSince2000 = value
    }

    /// PostgreSQL's `infinity` and `-infinity`.
    public static let infinity = PostgresTimestamp(microsecondsSince2000: .max)
    public static let negativeInfinity = PostgresTimestamp(microsecondsSince2000: .min)

    public var date: Date {
        switch self {
        case .infinity: .distantFuture
        case .negativeInfinity: .distantPast
        default: Date(timeIntervalSinceReferenceDate:
                        Double(microsecondsSince2000 - Self.referenceDateOffset) / 1_000_000)
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.microsecondsSince2000 < rhs.microsecondsSince2000
    }

    /// ISO 8601 in UTC as the server reads it in any `DateStyle`:
    /// `2024-02-29 12:34:56.789012+00` (with ` BC` before year 1).
    public var description: String {
        if self == .infinity { return "infinity" }
        if self == .negativeInfinity { return "-infinity" }
        let (date, time) = civilDateAndTime
        return date.year > 0 ? "\(date.text) \(time)+00" : "\(date.text) \(time)+00 BC"
    }

    /// RFC 3339 in UTC, `2024-02-29T12:34:56.789012Z`, for years 1 to 9999 (the form has no
    /// other years); nil outside them.
    public var rfc3339: String? {
        guard self != .infinity, self != .negativeInfinity else { return nil }
        let (date, time) = civilDateAndTime
        guard (1...9_999).contains(date.year) else { return nil }
        return "\(date.text)T\(time)Z"
    }

    /// The proleptic Gregorian date and `HH:MM:SS.ffffff` in UTC.
    private var civilDateAndTime: (CivilCalendar.Date, String) {
        let (day, timeOfDay) = CivilCalendar.floorDivision(microsecondsSince2000, 86_400_000_000)
        let seconds = timeOfDay / 1_000_000
        let time = CivilCalendar.padded(seconds / 3600, 2) + ":" + CivilCalendar.padded(seconds / 60 % 60, 2) + ":"
            + CivilCalendar.padded(seconds % 60, 2) + "." + CivilCalendar.padded(timeOfDay % 1_000_000, 6)
        return (CivilCalendar.date(daysSince2000: day), time)
    }

    /// Microseconds from 2000-01-01 to Foundation's reference date, 2001-01-01 (366 days).
    private static let referenceDateOffset: Int64 = 366 * 86_400_000_000
}
