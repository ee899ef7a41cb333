/// A `date`: whole days since 2000-01-01, as the server stores it (`Int32.max` and `.min` are
/// `infinity` and `-infinity`).
public struct PostgresDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let daysSince2000: Int32

    public init(daysSince2000: Int32) {
        self.daysSince2000 = daysSince2000
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.daysSince2000 < rhs.daysSince2000
    }

    /// `2024-03-01`, or `0044-03-15 BC`, as the server reads it in any `DateStyle`.
    public var description: String {
        if daysSince2000 == .max { return "infinity" }
        if daysSince2000 == .min { return "-infinity" }
        let date = CivilCalendar.date(daysSince2000: Int64(daysSince2000))
        return date.year > 0 ? date.text : date.text + " BC"
    }
}
