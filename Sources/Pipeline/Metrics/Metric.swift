/// One metric family RouteLedger exports: name, type, help text, and a histogram's buckets.
/// Every family is declared in one place (`Metric+Catalogue.swift`), so the endpoint shows all
/// of them from the start, and the documentation and dashboards can be checked against it.
public struct Metric: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public let name: String
    public let kind: Kind
    public let help: String
    /// Ascending upper bounds of a histogram's buckets (empty for other kinds).
    public let buckets: [Double]

    public init(_ name: String, _ kind: Kind, _ help: String, buckets: [Double] = []) {
        precondition((kind == .histogram) == !buckets.isEmpty, "a histogram, and only a histogram, has buckets")
        self.name = name
        self.kind = kind
        self.help = help
        self.buckets = buckets
    }

    /// The names a family's samples carry in the exposition format (a histogram's series).
    public var seriesNames: [String] {
        kind == .histogram ? [name + "_bucket", name + "_sum", name + "_count"] : [name]
    }
}
