import Foundation
@testable import Pipeline
import Postgres
import Testing

/// Event timestamps (RFC 3339): what the ledger and the battle memory store. The expected
/// instants are Unix times known independently of this code (the Unix seconds of 0001-01-01 and
/// 9999-12-31T23:59:59 are the bounds other systems publish, e.g. .NET's DateTime range), or
/// Foundation's reading where Foundation is right (the Gregorian years after 1582).
@Suite struct TimestampParsingTests {
    private func unix(_ text: String) -> Double? {
        parseTimestamp(text).map { PostgresTimestamp($0).date.timeIntervalSince1970 }
    }

    @Test func theUsualFormReadsAsFoundationReadsIt() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let year = Int.random(in: 1900...2200, using: &generator)
            let month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...28, using: &generator)
            var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day,
                              Int.random(in: 0...23, using: &generator), Int.random(in: 0...59, using: &generator),
                              Int.random(in: 0...59, using: &generator))
            let digits = Int.random(in: 0...6, using: &generator)
            if digits > 0 { text += "." + String((0..<digits).map { _ in "0123456789".randomElement(using: &generator)! }) }
            text += ["Z", "+01:00", "-05:30"].randomElement(using: &generator)!
            let expected = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: digits > 0))
            #expect(expected != nil, "\(text)")
            #expect(parseTimestamp(text).map(PostgresTimestamp.init) == expected.map(PostgresTimestamp.init), "\(text)")
        }
    }

    @Test(arguments: [
        ("2026-11-24T10:00:00Z", 1_795_514_400.0),
        ("2026-11-24t10:00:00z", 1_795_514_400),
        ("2026-11-24T23:59:00+23:59", 1_795_478_400),
        ("2026-11-24T10:00:00-00:30", 1_795_516_200),
        ("0001-01-01T00:00:00Z", -62_135_596_800),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
        ("2000-02-29T00:00:00.5Z", 951_782_400.5),
        ("2016-12-31T23:59:60Z", 1_483_228_800),
        ("2026-11-24T10:00:00.1234567890Z", 1_795_514_400.123457),
    ])
    func validFormsReadAsTheInstantTheyName(_ text: String, _ expected: Double) {
        #expect(unix(text) == PostgresTimestamp(Date(timeIntervalSince1970: expected)).date.timeIntervalSince1970, "\(text)")
    }

    @Test(arguments: ["2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                      "0000-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T10:00:61Z",
                      "2026-11-24 10:00:00Z", "2026-11-24T10:00:00.Z", "2026-11-24T10:00:00", "2026-11-24T10:00:00+24:00",
                      "2026-11-24T10:00:00+0100", "2026-11-24T10:00:00Zjunk", "26-11-24T10:00:00Z", "2026-11-24", ""])
    func impossibleDatesAndOtherFormsAreRefused(_ text: String) {
        #expect(parseTimestamp(text) == nil, "\(text)")
    }

    /// What a decision carries is read again as the same instant, to the resolution a `Date`
    /// has there: a Double of seconds from 2001, whose step is under a microsecond for a few
    /// decades around 2001 and about 30 µs at year 9999. Converting to and from it twice may
    /// cost a step each way and the rounding to a microsecond one more.
    @Test func formattedTimestampsReadBackToTheSameInstant() {
        #expect(formatTimestamp(Date(timeIntervalSince1970: 1_795_514_400.25)) == "2026-11-24T10:00:00.250000Z")
        #expect(parseTimestamp("0001-01-01T00:00:00Z").map(formatTimestamp) == "0001-01-01T00:00:00.000000Z")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<4_000 {
            let timestamp = PostgresTimestamp(microsecondsSince2000: Int64.random(in: -63_082_281_600_000_000...252_455_615_999_999_999,
                                                                                  using: &generator))   // 0001–9999
            let tolerance = Int64((2 * timestamp.date.timeIntervalSinceReferenceDate.ulp * 1e6).rounded(.up)) + 1
            let read = parseTimestamp(formatTimestamp(timestamp.date)).map(PostgresTimestamp.init)
            #expect(read.map { abs($0.microsecondsSince2000 - timestamp.microsecondsSince2000) <= tolerance } == true,
                    "\(timestamp) read as \(read.map(String.init(describing:)) ?? "nothing")")
        }
    }
}
