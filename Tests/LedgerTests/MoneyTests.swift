import Testing
@testable import Ledger

@Suite struct MicroUSDTests {
    @Test func parsesDecimalDollarsExactly() {
        #expect(MicroUSD(dollars: "12.5")?.microunits == 12_500_000)
        #expect(MicroUSD(dollars: "0.000001")?.microunits == 1)
        #expect(MicroUSD(dollars: "-3")?.microunits == -3_000_000)
        #expect(MicroUSD(dollars: ".25")?.microunits == 250_000)
    }

    @Test func refusesWhatItCannotRepresentExactly() {
        for text in ["0.0000001", "1e3", "", ".", "-", "1.2.3", "12a", "١٢", " 1", "99999999999999999"] {
            #expect(MicroUSD(dollars: text) == nil, "\(text)")
        }
    }

    @Test func printsAllSixDecimals() {
        #expect(MicroUSD(microunits: -12_500).description == "-0.012500")
        #expect(MicroUSD(microunits: 1_000_000).description == "1.000000")
    }
}

@Suite struct TokenPriceTests {
    /// $10 per million input tokens is 10 µ$ a token; $30 per million output is 30 µ$.
    @Test func costIsTokensTimesPrice() {
        let price = TokenPrice(inputPerMillion: MicroUSD(dollars: "10")!, outputPerMillion: MicroUSD(dollars: "30")!)
        #expect(price.cost(inputTokens: 1_000, outputTokens: 500).microunits == 10_000 + 15_000)
    }

    /// $0.15 per million: 3 tokens cost 0.45 µ$ → 0; 10 tokens 1.5 µ$ → 2 (half to even);
    /// 30 tokens 4.5 µ$ → 4 (half to even); 7 tokens 1.05 µ$ → 1.
    @Test func roundsOnceHalfToEven() {
        let price = TokenPrice(inputPerMillion: MicroUSD(dollars: "0.15")!, outputPerMillion: .zero)
        #expect(price.cost(inputTokens: 3, outputTokens: 0).microunits == 0)
        #expect(price.cost(inputTokens: 10, outputTokens: 0).microunits == 2)
        #expect(price.cost(inputTokens: 30, outputTokens: 0).microunits == 4)
        #expect(price.cost(inputTokens: 7, outputTokens: 0).microunits == 1)
    }

    /// Rounding happens once on the sum: 0.5 µ$ of input plus 0.5 µ$ of output is exactly 1 µ$
    /// (rounding each part first would give 0 + 0).
    @Test func roundsTheSumNotTheParts() {
        let price = TokenPrice(inputPerMillion: MicroUSD(dollars: "0.5")!, outputPerMillion: MicroUSD(dollars: "0.5")!)
        #expect(price.cost(inputTokens: 1, outputTokens: 1).microunits == 1)
    }

    @Test func theLargestAllowedCostFitsExactly() {
        let price = TokenPrice(inputPerMillion: TokenPrice.maximumPerMillion, outputPerMillion: TokenPrice.maximumPerMillion)
        let cost = price.cost(inputTokens: TokenPrice.maximumTokens, outputTokens: TokenPrice.maximumTokens)
        #expect(cost.microunits == 2_000_000_000_000_000_000)
    }
}
