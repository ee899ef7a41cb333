import Ledger
import Postgres
import TestSupport
import Testing

/// A replay's report weighs each side by the votes the traffic cast on its queries.
@Suite struct ReplayQualityTests {
    private typealias Data = LedgerTestData

    /// Billed: q1 weak, q2 strong, q3 weak, q4 weak. Replayed: q1 strong, q2 weak, q3 weak, q4
    /// strong. Votes: q1 strong beat weak; q2 weak beat strong; q3 a tie; q4 weak beat strong
    /// (and a retracted vote the other way, which must not count).
    @Test func votesScoreBothSidesAndTheQueriesDecidedDifferently() throws {
        try Data.withPricedLedger { connection, writer in
            try writer.write(Data.batch([
                Data.decision("q1", offset: 0), Data.decision("q2", model: "strong", offset: 1),
                Data.decision("q3", offset: 2), Data.decision("q4", offset: 3),
            ]))
            let replayed = try ["q1": "strong", "q2": "weak", "q3": "weak", "q4": "strong"].sorted { $0.key < $1.key }.map { query, model in
                ReplayLedger.Decision(tenant: "acme", queryID: query, requestedAt: Data.time("2026-11-24T10:00:00Z"), chosenModel: model,
                                      referenceModel: "strong", strongWinRate: 0.5, tokens: try TokenCounts(input: 1_000, output: 500),
                                      actualTokens: false, cost: .zero, referenceCost: .zero)
            }
            try ReplayLedger.record(id: "votes", kind: .reroute, parametersJSON: "{}", decisions: replayed, on: connection)
            let retraction: Int64 = try connection.query("""
                INSERT INTO battle_retractions (source, battles, reason) VALUES ('votes', 1, 'test') RETURNING id
                """)[0].decode(column: "id")
            for (vote, query, a, b, winner, retracted) in [
                ("v1", "q1", "strong", "weak", "model_a", false), ("v2", "q2", "weak", "strong", "model_a", false),
                ("v3", "q3", "weak", "strong", "tie", false), ("v4", "q4", "strong", "weak", "model_b", false),
                ("v5", "q4", "strong", "weak", "model_a", true), ("v6", "q9", "strong", "weak", "model_a", false),
            ] {
                try connection.execute("""
                    INSERT INTO battles (vote_id, query_id, voter, prompt, model_a, model_b, winner, source, embedder_name,
                                         embedder_version, embedding, retraction)
                    VALUES ($1, $2, 'user', 'a prompt', $3, $4, $5, 'votes', 'hashing', '1', '\\x0000803f'::bytea, $6)
                    """, [.text(vote), .text(query), .text(a), .text(b), .text(winner), retracted ? .bigint(retraction) : .null])
            }
            let quality = try ReplayReport.load(id: "votes", on: connection).quality
            // Billed models: q1 weak lost (0), q2 strong lost (0), q3 weak tied (½), q4 weak won
            // (1): 1.5 / 4. Replayed: q1 strong won, q2 weak won, q3 tied, q4 strong lost: 2.5 / 4.
            // Head to head on q1, q2 and q4: the replay's model won two, the billed one one.
            let acme = try #require(quality.first)
            #expect(quality.count == 1 && acme.tenant == "acme")
            #expect(acme.actualVoted == 4 && acme.actualScore == "0.3750")
            #expect(acme.replayedVoted == 4 && acme.replayedScore == "0.6250")
            #expect(acme.headToHead == 3 && acme.replayedWon == 2 && acme.actualWon == 1)
        }
    }
}
