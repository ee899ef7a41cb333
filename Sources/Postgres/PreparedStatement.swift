/// A statement parsed and planned once by the server and executed many times with new
/// parameters. Made by `PostgresConnection.prepare`.
///
/// Its name is derived from the SQL and the declared types, so preparing the same statement
/// again costs nothing, and a connection that reconnected prepares it again on first use.
public struct PreparedStatement: Hashable, Sendable {
    public let sql: String
    /// Declared parameter types; those left out are inferred by the server.
    public let types: [PostgresType]
    let name: String

    init(sql: String, types: [PostgresType]) {
        self.sql = sql
        self.types = types
        name = "routeledger_" + Fingerprint.of(sql + "\u{0}" + types.map { String($0.rawValue) }.joined(separator: ","))
    }
}

/// FNV-1a (64-bit) as 16 hexadecimal digits: a stable name for a text, not a secure hash.
enum Fingerprint {
    static func of(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
