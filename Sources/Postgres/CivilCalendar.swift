/// Days and dates of the proleptic Gregorian calendar, as PostgreSQL counts them (from
/// 2000-01-01, year 0 being 1 BC), written the way the server reads them in any `DateStyle`.
/// (Foundation's Gregorian calendar turns Julian before October 1582: never used for dates.)
public enum CivilCalendar {
    public struct Date: Sendable, Equatable {
        public let year: Int64
        public let month: Int64
        public let day: Int64

        public init(year: Int64, month: Int64, day: Int64) {
            self.year = year
            self.month = month
            self.day = day
        }

        /// `2024-03-01`; the year of a BC date as the server writes it (1 BC for year 0),
        /// leaving the ` BC` suffix to the caller since it follows a time of day.
        var text: String {
            padded(year > 0 ? year : 1 - year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
        }
    }

    /// The days in `month` of `year`: February has 29 in leap years.
    public static func days(inMonth month: Int64, of year: Int64) -> Int64 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return month == 2 ? (leap ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(month - 1)]
    }

    /// After Howard Hinnant's `days_from_civil`; the date must exist.
    public static func daysSince2000(_ date: Date) -> Int64 {
        let marchYear = date.month <= 2 ? date.year - 1 : date.year
        let era = floorDivision(marchYear, 400).0
        let yearOfEra = marchYear - era * 400
        let dayOfYear = (153 * ((date.month + 9) % 12) + 2) / 5 + date.day - 1
        return era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468 - 10_957
    }

    /// After Howard Hinnant's `civil_from_days`.
    public static func date(daysSince2000: Int64) -> Date {
        let shifted = daysSince2000 + 10_957 + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return Date(year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    public static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    public static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
