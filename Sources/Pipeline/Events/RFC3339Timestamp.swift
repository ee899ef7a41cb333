import Foundation
import Postgres

/// Reads an RFC 3339 timestamp, `YYYY-MM-DD(T|t)HH:MM:SS[.fraction](Z|z|±HH:MM)`, of a date
/// that exists (no 30 February) in years 0001–9999 of the proleptic Gregorian calendar, the
/// calendar PostgreSQL keeps; nil for anything else. Foundation's parser is not used: its
/// calendar turns Julian before 1582, and it rolls 30 February over into March. A leap second
/// (`:60`) is the first instant of the next minute, as PostgreSQL reads it. The fraction is
/// rounded to the microsecond, which is what the ledger keeps (digits past the ninth are ignored).
func parseTimestamp(_ text: String) -> Date? {
    var text = text
    return text.withUTF8 { bytes -> Date? in
        func number(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for index in start..<start + count {
                let digit = Int64(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        func byte(_ index: Int, is characters: String) -> Bool {
            index < bytes.count && characters.utf8.contains(bytes[index])
        }
        guard let year = number(0, 4), byte(4, is: "-"), let month = number(5, 2), byte(7, is: "-"), let day = number(8, 2),
              byte(10, is: "Tt"), let hour = number(11, 2), byte(13, is: ":"), let minute = number(14, 2), byte(16, is: ":"),
              let second = number(17, 2),
              year >= 1, (1...12).contains(month), (1...CivilCalendar.days(inMonth: month, of: year)).contains(day),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var nanoseconds: Int64 = 0
        if byte(index, is: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, (48...57).contains(bytes[index]) {
                if digits < 9 { nanoseconds = nanoseconds * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 9)..<9 { nanoseconds *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if byte(index, is: "Zz"), index + 1 == bytes.count {
            offsetSeconds = 0
        } else if byte(index, is: "+-"), index + 6 == bytes.count, let offsetHour = number(index + 1, 2), byte(index + 3, is: ":"),
                  let offsetMinute = number(index + 4, 2), offsetHour < 24, offsetMinute < 60 {
            offsetSeconds = (offsetHour * 3_600 + offsetMinute * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        let days = CivilCalendar.daysSince2000(CivilCalendar.Date(year: year, month: month, day: day))
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetSeconds
        return PostgresTimestamp(microsecondsSince2000: seconds * 1_000_000 + (nanoseconds + 500) / 1_000).date
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC, to the microsecond (what the ledger keeps), in the
/// calendar `parseTimestamp` reads: formatting and reading again gives the same microsecond.
func formatTimestamp(_ date: Date) -> String {
    let timestamp = PostgresTimestamp(date)
    return timestamp.rfc3339 ?? timestamp.description
}
