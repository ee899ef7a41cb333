import Postgres

/// Money as PostgreSQL holds it: `numeric` with six decimals, exactly the micro-units.
extension MicroUSD {
    var postgresValue: PostgresValue {
        .numeric(PostgresNumeric(units: microunits, scale: 6))
    }

    /// A sum or an amount read back; refused when it does not fit micro-dollars.
    init(_ value: PostgresNumeric) throws(LedgerError) {
        guard let units = value.units(scale: 6) else {
            throw LedgerError("an amount of \(value) dollars does not fit RouteLedger's micro-dollar amounts")
        }
        self.init(microunits: units)
    }
}
