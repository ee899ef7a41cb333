import Foundation
import Postgres

/// The text a query was routed by, kept in `query_prompts` for a vote that names the query
/// instead of repeating its prompt.
struct QueryPrompt: Sendable, Equatable {
    let queryID: String
    let tenant: String
    let prompt: String
    let createdAt: Date
}

struct QueryPromptTable {
    let connection: PostgresConnection

    /// Keeps the prompts; a query recorded before keeps its first prompt.
    func record(_ prompts: [QueryPrompt]) throws {
        guard !prompts.isEmpty else { return }
        try connection.execute("""
            INSERT INTO query_prompts (query_id, tenant, prompt, created_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
            ON CONFLICT (query_id, tenant) DO NOTHING
            """, [SQLArrayLiteral.of(prompts.map(\.queryID)), SQLArrayLiteral.of(prompts.map(\.tenant)),
                  SQLArrayLiteral.of(prompts.map(\.prompt)),
                  SQLArrayLiteral.of(prompts.map { PostgresTimestamp($0.createdAt).description })])
    }

    /// The distinct prompts recorded under each of these query ids (several when tenants share
    /// an id); ids never recorded are absent.
    func prompts(forQueries ids: Set<String>) throws -> [String: [String]] {
        guard !ids.isEmpty else { return [:] }
        var prompts: [String: [String]] = [:]
        for row in try connection.query("SELECT DISTINCT query_id, prompt FROM query_prompts WHERE query_id = ANY($1::text[])",
                                        [SQLArrayLiteral.of(ids.sorted())]) {
            prompts[try row.decode(String.self, column: "query_id"), default: []].append(try row.decode(String.self, column: "prompt"))
        }
        return prompts
    }

    /// Forgets prompts recorded more than `hours` ago; returns how many.
    func forget(olderThanHours hours: Double) throws -> Int {
        try connection.execute("DELETE FROM query_prompts WHERE recorded_at < now() - $1 * interval '1 hour'", [.double(hours)])
    }
}
