import Foundation

/// A price list from a file: what `replay --prices` prices past traffic at. A header line names
/// the columns: `model,input_usd_per_million,output_usd_per_million`, then any of
/// `cached_input_usd_per_million`, `reasoning_usd_per_million` and `per_request_usd` (the
/// `PriceComponent` names), in any order; then one model a line, an empty optional cell leaving
/// that component out. Blank lines and lines starting with `#` (a list's date and source) are
/// skipped.
public struct PriceList: Sendable, Equatable {
    public let prices: [String: TokenPrice]

    /// The columns every list starts with.
    public static let header = "model,input_usd_per_million,output_usd_per_million"

    public init(prices: [String: TokenPrice]) {
        self.prices = prices
    }

    /// Refuses, naming the line, anything but the header, comments and well-formed prices of
    /// distinct models.
    public init(parsing text: String) throws(LedgerInputError) {
        var prices: [String: TokenPrice] = [:]
        var columns: [PriceComponent]?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            let number = index + 1
            if line.allSatisfy(\.isWhitespace) || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let columns else {
                columns = try Self.columns(ofHeader: fields, line: number)
                continue
            }
            guard fields.count == columns.count + 1, !fields[0].isEmpty else {
                throw LedgerInputError("line \(number): expected \(columns.count + 1) fields, "
                                       + (["model"] + columns.map(\.rawValue)).joined(separator: ","))
            }
            var components: [PriceComponent: MicroUSD] = [:]
            for (component, field) in zip(columns, fields.dropFirst()) {
                if field.isEmpty && !component.isRequired { continue }
                guard let amount = MicroUSD(dollars: field), TokenPrice.allowedAmounts.contains(amount) else {
                    throw LedgerInputError("line \(number): \(component.rawValue) must be dollars, 0 to \(TokenPrice.maximumPerMillion), "
                                           + "at most six decimals")
                }
                components[component] = amount
            }
            guard prices[fields[0]] == nil else { throw LedgerInputError("line \(number): model '\(fields[0])' is priced twice") }
            // Input and output are in every line: their cells may not be empty.
            prices[fields[0]] = TokenPrice(components: components)!
        }
        guard columns != nil else { throw LedgerInputError("the price list is empty: it needs the header '\(Self.header)'") }
        self.prices = prices
    }

    /// The components a header line names after the model, the required ones first.
    private static func columns(ofHeader fields: [String], line: Int) throws(LedgerInputError) -> [PriceComponent] {
        let required = Self.header.split(separator: ",").map(String.init)
        guard Array(fields.prefix(required.count)) == required else {
            throw LedgerInputError("line \(line): the first line must be the header '\(Self.header)', "
                                   + "then any of the optional columns")
        }
        var columns: [PriceComponent] = [.input, .output]
        for name in fields.dropFirst(required.count) {
            guard let component = PriceComponent(rawValue: name), !component.isRequired else {
                throw LedgerInputError("line \(line): unknown column '\(name)'; the optional ones are "
                                       + PriceComponent.allCases.filter { !$0.isRequired }.map(\.rawValue).joined(separator: ", "))
            }
            guard !columns.contains(component) else { throw LedgerInputError("line \(line): column '\(name)' is named twice") }
            columns.append(component)
        }
        return columns
    }
}
