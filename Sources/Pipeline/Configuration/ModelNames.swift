/// The configured models' names and their aliases (`models[].aliases`): the one place where a
/// model name that comes in — from an event, a battle memory, the routing settings — becomes
/// the configured name it stands for. Everything past it (prices, tiers, topics, the ledger)
/// knows only configured names.
public struct ModelNames: Sendable, Equatable, ExpressibleByArrayLiteral {
    /// The configured names, in the configuration's order.
    public let configured: [String]
    /// Every configured name and alias, each to its configured name.
    private let configuredNameOf: [String: String]

    public init(_ models: [RouteLedgerConfiguration.Model]) {
        self.init(models.map { ($0.name, $0.aliases) })
    }

    /// Configured names without aliases.
    public init(arrayLiteral names: String...) {
        self.init(names.map { ($0, []) })
    }

    /// A name given twice keeps its first meaning; `RouteLedgerConfiguration.load` refuses such
    /// files, so only a configuration built in code can get here with one.
    init(_ models: [(name: String, aliases: [String])]) {
        configured = models.map(\.name)
        var names: [String: String] = [:]
        for model in models {
            for name in [model.name] + model.aliases where names[name] == nil { names[name] = model.name }
        }
        configuredNameOf = names
    }

    /// The configured name `name` is, or is an alias of; nil for a model not configured.
    public func configuredName(of name: String) -> String? { configuredNameOf[name] }

    /// The configured name of `name`, or `name` itself for a model not configured (a memory may
    /// hold battles of models the configuration does not price).
    public func resolve(_ name: String) -> String { configuredNameOf[name] ?? name }
}
