import Foundation

/// A price list from a file: what `replay --prices` prices past traffic at. One model a line,
/// `model,input_usd_per_million,output_usd_per_million`, after a header line naming those
/// columns; blank lines and lines starting with `#` (a list's date and source) are skipped.
public struct PriceList: Sendable, Equatable {
    public let prices: [String: TokenPrice]

    public static let header = "model,input_usd_per_million,output_usd_per_million"

    public init(prices: [String: TokenPrice]) {
        self.prices = prices
    }

    /// Refuses, naming the line, anything but the header, comments and well-formed prices of
    /// distinct models.
    public init(parsing text: String) throws(LedgerInputError) {
        var prices: [String: TokenPrice] = [:]
        var sawHeader = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            let number = index + 1
            if line.allSatisfy(\.isWhitespace) || line.hasPrefix("#") { continue }
            guard sawHeader else {
                guard line.replacingOccurrences(of: " ", with: "") == Self.header else {
                    throw LedgerInputError("line \(number): the first line must be the header '\(Self.header)'")
                }
                sawHeader = true
                continue
            }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 3, !fields[0].isEmpty else {
                throw LedgerInputError("line \(number): expected model,input_usd_per_million,output_usd_per_million")
            }
            guard let input = MicroUSD(dollars: fields[1]), let output = MicroUSD(dollars: fields[2]),
                  (MicroUSD.zero...TokenPrice.maximumPerMillion).contains(input),
                  (MicroUSD.zero...TokenPrice.maximumPerMillion).contains(output) else {
                throw LedgerInputError("line \(number): prices must be dollars per million tokens, 0 to \(TokenPrice.maximumPerMillion), "
                                       + "at most six decimals")
            }
            guard prices[fields[0]] == nil else { throw LedgerInputError("line \(number): model '\(fields[0])' is priced twice") }
            prices[fields[0]] = TokenPrice(inputPerMillion: input, outputPerMillion: output)
        }
        guard sawHeader else { throw LedgerInputError("the price list is empty: it needs the header '\(Self.header)'") }
        self.prices = prices
    }
}
