import Foundation
@testable import Pipeline
import Postgres
import Testing

/// Event timestamps: the direct reading of the usual form must give the microsecond Foundation's
/// RFC 3339 parser gives (which reads every other form): what the ledger and the battle memory
/// store. (The Doubles may differ in their last bits: for 2000-12-20T17:09:17.67095Z Foundation
/// reads 670,949,999 ns.)
@Suite struct TimestampParsingTests {
    private func foundation(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
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
            let digits = Int.random(in: 0...9, using: &generator)
            if digits > 0 { text += "." + String((0..<digits).map { _ in "0123456789".randomElement(using: &generator)! }) }
            text += "Z"
            let expected = foundation(text)
            #expect(expected != nil, "\(text)")
            #expect(parseTimestamp(text).map(PostgresTimestamp.init) == expected.map(PostgresTimestamp.init), "\(text)")
        }
    }

    @Test(arguments: ["2024-02-29T23:59:59Z", "2000-12-20T17:09:17.67095Z", "2026-11-24T10:00:00.1234565Z", "2000-02-29T00:00:00.5Z", "1900-01-01T00:00:00Z", "2026-12-31T23:59:59.999999Z",
                      "2026-11-24T10:00:00+01:00", "2026-11-24T10:00:00.123-05:30", "2023-02-29T00:00:00Z",
                      "2026-13-01T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24 10:00:00Z", "2026-11-24T10:00:00.Z",
                      "1899-12-31T23:59:59Z", "2026-11-24T10:00:00z", "2026-11-24T10:00:00.1234567890Z"])
    func edgesReadAsFoundationReadsThem(_ text: String) {
        #expect(parseTimestamp(text).map(PostgresTimestamp.init) == foundation(text).map(PostgresTimestamp.init))
    }
}
