import Testing
import Ledger

/// The price list file of `replay --prices`: the three columns every list has, and the optional
/// components a header may name.
@Suite struct PriceListTests {
    private static func dollars(_ text: String) -> MicroUSD { MicroUSD(dollars: text)! }

    @Test func aListOfThreeColumnsReadsAsBefore() throws {
        let list = try PriceList(parsing: "# dated\nmodel,input_usd_per_million,output_usd_per_million\nweak,1,2\n\nstrong, 10 ,30.5\n")
        #expect(list.prices == ["weak": TokenPrice(inputPerMillion: Self.dollars("1"), outputPerMillion: Self.dollars("2")),
                                "strong": TokenPrice(inputPerMillion: Self.dollars("10"), outputPerMillion: Self.dollars("30.5"))])
    }

    /// Optional columns in any order after the three; an empty cell leaves that component out.
    @Test func optionalColumnsNamedInTheHeaderSetTheirComponents() throws {
        let list = try PriceList(parsing: """
            model,input_usd_per_million,output_usd_per_million,per_request_usd,cached_input_usd_per_million,reasoning_usd_per_million
            o1,15,60,,7.5,
            tool,1,2,0.01,,4
            """)
        #expect(list.prices["o1"] == TokenPrice(inputPerMillion: Self.dollars("15"), outputPerMillion: Self.dollars("60"),
                                                cachedInputPerMillion: Self.dollars("7.5")))
        #expect(list.prices["tool"] == TokenPrice(inputPerMillion: Self.dollars("1"), outputPerMillion: Self.dollars("2"),
                                                  reasoningPerMillion: Self.dollars("4"), perRequest: Self.dollars("0.01")))
    }

    @Test(arguments: [
        ("model,input_usd_per_million\nweak,1\n", "line 1"),
        ("model,input_usd_per_million,output_usd_per_million,cached_tokens\nweak,1,2,3\n", "unknown column 'cached_tokens'"),
        ("model,input_usd_per_million,output_usd_per_million,per_request_usd,per_request_usd\n", "named twice"),
        ("model,input_usd_per_million,output_usd_per_million,per_request_usd\nweak,1,2\n", "line 2: expected 4 fields"),
        ("model,input_usd_per_million,output_usd_per_million,per_request_usd\nweak,1,2,-0.01\n", "line 2: per_request_usd"),
        ("model,input_usd_per_million,output_usd_per_million,cached_input_usd_per_million\nweak,1,,0.5\n", "line 2: output_usd_per_million"),
        ("model,input_usd_per_million,output_usd_per_million\nweak,1,2\nweak,1,2\n", "line 3: model 'weak' is priced twice"),
        ("# nothing but a comment\n", "empty"),
    ])
    func refusesWhatIsNotAPriceListNamingTheLine(text: String, message: String) {
        #expect {
            try PriceList(parsing: text)
        } throws: { error in
            (error as? LedgerInputError)?.description.contains(message) == true
        }
    }
}
