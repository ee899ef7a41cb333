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
        // Every component at its maximum: 10^12 tokens × 10^12 µ$ per million = 10^18 µ$ for the
        // input tokens (all cached) and again for the output (all reasoning), plus a 10^12 µ$ fee.
        let everything = TokenPrice(inputPerMillion: TokenPrice.maximumPerMillion, outputPerMillion: TokenPrice.maximumPerMillion,
                                    cachedInputPerMillion: TokenPrice.maximumPerMillion, reasoningPerMillion: TokenPrice.maximumPerMillion,
                                    perRequest: TokenPrice.maximumPerMillion)
        #expect(everything.cost(inputTokens: TokenPrice.maximumTokens, outputTokens: TokenPrice.maximumTokens).microunits
                == 2_000_000_000_000_000_000 + 1_000_000_000_000)
    }

    private static func dollars(_ text: String) -> MicroUSD { MicroUSD(dollars: text)! }

    /// $2.50 input, $1.25 cached input, $10 output, $12 reasoning per million tokens, $0.0003 a
    /// request; 2,000 input tokens of which 1,500 cached, 300 output of which 200 reasoning:
    /// 500 × 2.5 µ$ + 1,500 × 1.25 µ$ + 100 × 10 µ$ + 200 × 12 µ$ + 300 µ$
    /// = 1,250 + 1,875 + 1,000 + 2,400 + 300 = 6,825 µ$.
    @Test func cachedInputAndReasoningTokensCostTheirRatesAndTheFeeIsAddedOnce() throws {
        let price = TokenPrice(inputPerMillion: Self.dollars("2.50"), outputPerMillion: Self.dollars("10"),
                               cachedInputPerMillion: Self.dollars("1.25"), reasoningPerMillion: Self.dollars("12"),
                               perRequest: Self.dollars("0.0003"))
        let tokens = try TokenCounts(input: 2_000, cachedInput: 1_500, output: 300, reasoning: 200)
        #expect(price.cost(tokens).microunits == 6_825)
        // Without cached or reasoning tokens: 2,000 × 2.5 + 300 × 10 + 300 = 8,300 µ$, the estimate's form.
        #expect(price.cost(try TokenCounts(input: 2_000, output: 300)).microunits == 8_300)
        #expect(price.cost(inputTokens: 2_000, outputTokens: 300).microunits == 8_300)
    }

    /// A price that sets no cached input or reasoning rate bills those tokens at its input and
    /// output rates: $1 / $2 per million, 2,000 input and 300 output tokens are 2,000 + 600 =
    /// 2,600 µ$ however many of them were cached or reasoning.
    @Test func tokensWithoutARateOfTheirOwnCostTheInputOrOutputRate() throws {
        let price = TokenPrice(inputPerMillion: Self.dollars("1"), outputPerMillion: Self.dollars("2"))
        #expect(price.cost(try TokenCounts(input: 2_000, cachedInput: 1_500, output: 300, reasoning: 200)).microunits == 2_600)
        #expect(price.cost(inputTokens: 2_000, outputTokens: 300).microunits == 2_600)
    }

    /// One rounding over every component: one cached token at $0.5 per million (0.5 µ$) and one
    /// reasoning token at $0.5 (0.5 µ$) make exactly 1 µ$; rounding each (half to even) would
    /// give 0. Two input tokens (one cached) and two output (one reasoning), the others at $0.25:
    /// 0.25 + 0.5 + 0.25 + 0.5 = 1.5 µ$ → 2 (half to even).
    @Test func roundsTheSumOfAllComponentsOnce() throws {
        let price = TokenPrice(inputPerMillion: Self.dollars("0.25"), outputPerMillion: Self.dollars("0.25"),
                               cachedInputPerMillion: Self.dollars("0.5"), reasoningPerMillion: Self.dollars("0.5"))
        #expect(price.cost(try TokenCounts(input: 1, cachedInput: 1, output: 1, reasoning: 1)).microunits == 1)
        #expect(price.cost(try TokenCounts(input: 2, cachedInput: 1, output: 2, reasoning: 1)).microunits == 2)
    }

    @Test func describesTheComponentsItSets() {
        let plain = TokenPrice(inputPerMillion: Self.dollars("1"), outputPerMillion: Self.dollars("2"))
        #expect(plain.description == "$1.000000 / $2.000000 per million input / output tokens")
        let full = TokenPrice(inputPerMillion: Self.dollars("1"), outputPerMillion: Self.dollars("2"), cachedInputPerMillion: Self.dollars("0.1"),
                              reasoningPerMillion: Self.dollars("3"), perRequest: Self.dollars("0.01"))
        #expect(full.description == "$1.000000 / $2.000000 per million input / output tokens, $0.100000 per million cached input tokens, "
                + "$3.000000 per million reasoning tokens, $0.010000 per request")
    }
}

@Suite struct TokenCountsTests {
    @Test func cachedAndReasoningTokensArePartOfInputAndOutput() throws {
        #expect(throws: Never.self) { try TokenCounts(input: 5, cachedInput: 5, output: 3, reasoning: 3) }
        #expect(throws: LedgerInputError.self) { try TokenCounts(input: 5, cachedInput: 6, output: 3) }
        #expect(throws: LedgerInputError.self) { try TokenCounts(input: 5, output: 3, reasoning: 4) }
        #expect(throws: LedgerInputError.self) { try TokenCounts(input: 5, cachedInput: -1, output: 3) }
        #expect(throws: LedgerInputError.self) { try TokenCounts(input: Int64(Int32.max) + 1, output: 3) }
    }

    @Test func describesTheParts() throws {
        #expect(try TokenCounts(input: 2_000, output: 300).description == "2000 input and 300 output tokens")
        #expect(try TokenCounts(input: 2_000, cachedInput: 500, output: 300, reasoning: 100).description
                == "2000 input (500 cached) and 300 output (100 reasoning) tokens")
    }
}
