import Postgres
import Testing

@Suite struct PostgresNumericTests {
    @Test func integerUnitsBecomeDecimalText() {
        #expect(PostgresNumeric(units: 1_500_000, scale: 6).text == "1.500000")
        #expect(PostgresNumeric(units: -5, scale: 6).text == "-0.000005")
        #expect(PostgresNumeric(units: 42, scale: 0).text == "42")
        #expect(PostgresNumeric(units: .min, scale: 6).text == "-9223372036854.775808")
    }

    @Test func decimalTextBecomesIntegerUnitsOnlyWhenExact() {
        #expect(PostgresNumeric("1.25")!.units(scale: 6) == 1_250_000)
        #expect(PostgresNumeric("-0.000005")!.units(scale: 6) == -5)
        #expect(PostgresNumeric("3.1400000000")!.units(scale: 2) == 314)
        #expect(PostgresNumeric("0.0000001")!.units(scale: 6) == nil)
        #expect(PostgresNumeric("-9223372036854.775808")!.units(scale: 6) == .min)
        #expect(PostgresNumeric("9223372036854.775808")!.units(scale: 6) == nil)
        #expect(PostgresNumeric("NaN")!.units(scale: 6) == nil)
    }

    @Test func malformedTextIsRefused() {
        for text in ["", "-", "1.", ".5", "1e5", "+1", "1,5", " 1", "0x10", "inf"] {
            #expect(PostgresNumeric(text) == nil, "\(text)")
        }
    }
}
