/// RouteLedger's database schema: the migrations in `schemas/sql`, compiled in.
public enum RouteLedgerSchema {
    public static var migrations: [Migration] { embeddedMigrations }
}
