/// Days and dates of the proleptic Gregorian calendar, as PostgreSQL counts them (from
/// 2000-01-01, year 0 being 1 BC), written the way the server reads them in any `DateStyle`.
enum CivilCalendar {
    struct Date {
        let year: Int64
        let month: Int64
        let day: Int64

        /// `2024-03-01`; the year of a BC date as the server writes it (1 BC for year 0),
        /// leaving the ` BC` suffix to the caller since it follows a time of day.
        var text: String {
            padded(year > 0 ? year : 1 - year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
        }
    }

    /// After Howard Hinnant's `civil_from_days`.
    static func date(daysSince2000: Int64) -> Date {
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

    static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
