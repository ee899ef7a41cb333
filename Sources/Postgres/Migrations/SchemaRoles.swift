/// The roles a schema grants to, named by a common prefix (roles belong to the whole cluster,
/// so two deployments on one server keep apart by prefix):
/// - `<prefix>writer`: appends ledger rows and records their actual usage, keeps the ledger
///   stage's consumer offsets; reads prices but never adds one; never deletes.
/// - `<prefix>price_admin`: adds prices (`routeledger prices set`); a price is history, never
///   changed or deleted, by anyone.
/// - `<prefix>auditor`: reads everything, writes nothing.
/// - `<prefix>tenant_reader`: reads the ledger, rollups and audit views of the tenants that
///   `tenant_members` maps to a role it belongs to.
///
/// All are group roles without LOGIN; grant them to the login roles that use them.
public struct SchemaRoles: Sendable, Hashable {
    public static let defaultPrefix = "routeledger_"

    public let prefix: String

    /// `prefix` is lower-case letters, digits and underscores, starting with a letter or
    /// underscore, short enough that every role name fits PostgreSQL's 63 bytes.
    public init(prefix: String = SchemaRoles.defaultPrefix) throws {
        let longestSuffix = "tenant_reader".count
        guard let first = prefix.first, first.isLetter || first == "_",
              prefix.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }),
              prefix.utf8.count + longestSuffix <= 63
        else {
            throw MigrationError.invalidRolePrefix(prefix)
        }
        self.prefix = prefix
    }

    public var writer: String { prefix + "writer" }
    public var auditor: String { prefix + "auditor" }
    public var tenantReader: String { prefix + "tenant_reader" }
    public var priceAdmin: String { prefix + "price_admin" }

    public var all: [String] { [writer, auditor, tenantReader, priceAdmin] }

    func name(forPlaceholder placeholder: String) -> String? {
        switch placeholder {
        case "writer": writer
        case "auditor": auditor
        case "tenant_reader": tenantReader
        case "price_admin": priceAdmin
        default: nil
        }
    }
}
