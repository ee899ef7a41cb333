import Embeddings
import Foundation
import Ledger
import Postgres
import Ranking
import Streams
import TestSupport
@testable import Pipeline

/// What the learning tests share: a configuration for "strong" and "weak" with the hashing
/// embedder and the battles table as memory, votes and routed queries as Kafka records, and a
/// database with a first set of battles.
struct LearningFixture {
    let database: TestDatabase
    var configuration: RouteLedgerConfiguration
    let embedder = HashingEmbedder(dimension: 64)

    /// A first memory: the strong model won on one prompt, the weak one on another.
    static let twoBattles = [
        battle("integrals of polynomials", "strong", "weak", .modelA),
        battle("a sonnet about autumn", "weak", "strong", .modelA),
    ]

    /// Prompts of two topics with no word in common, so the hashing embedder keeps them apart.
    static let algebra = ["integral", "derivative", "polynomial", "matrix", "eigenvalue", "limit", "series", "vector",
                          "theorem", "lemma", "equation", "logarithm"]
    static let poetry = ["sonnet", "rhyme", "stanza", "meter", "ballad", "elegy", "haiku", "verse", "metaphor",
                         "imagery", "couplet", "ode"]

    static func prompt(_ words: [String], _ index: Int) -> String {
        (0..<6).map { words[(index * 7 + $0 * 5) % words.count] }.joined(separator: " ") + " \(index)"
    }

    /// Battles of both topics in which the strong model wins nine of ten.
    static func strongWinsNineOfTen(algebra: Int, poetry: Int) -> [LabelledBattle] {
        [(Self.algebra, algebra), (Self.poetry, poetry)].flatMap { words, count in
            (0..<count).map { battle(prompt(words, $0), "strong", "weak", $0 % 10 == 0 ? .modelB : .modelA) }
        }
    }

    static let votesTopic = "test.votes"
    static let queriesTopic = "test.queries"

    init(database: TestDatabase) throws {
        self.database = database
        var (configuration, _) = try twoTopicRouting()
        configuration.embedder = .hashing
        configuration.memoryPath = RouteLedgerConfiguration.databaseMemory
        configuration.topics.votes = Self.votesTopic
        configuration.topics.queries = Self.queriesTopic
        configuration.topics.deadLetter = "test.deadletter"
        configuration.learning.queryWaitSeconds = 60
        configuration.learning.bootstrapRounds = 20
        configuration.routing.tiers = 10
        self.configuration = configuration
    }

    /// Adds models to the configuration (at $1 / $2 per million tokens), besides "strong" and "weak".
    mutating func configure(models names: [String]) {
        let price = TokenPrice(inputPerMillion: MicroUSD(dollars: "1")!, outputPerMillion: MicroUSD(dollars: "2")!)
        configuration.models += names.map { RouteLedgerConfiguration.Model(name: $0, price: price) }
    }

    /// Adds "mini", at $0.10 / $0.20 per million tokens the cheapest candidate, to the routing.
    mutating func addCheapestCandidate() {
        configuration.models.append(.init(name: "mini", price: TokenPrice(inputPerMillion: MicroUSD(dollars: "0.10")!,
                                                                          outputPerMillion: MicroUSD(dollars: "0.20")!)))
        configuration.routing.cheaper = ["weak", "mini"]
    }

    /// Runs `body` with a fresh migrated database.
    static func withDatabase<T>(_ body: (inout LearningFixture) throws -> T) throws -> T {
        try TestDatabase.withFresh(migrated: true) { database in
            var fixture = try LearningFixture(database: database)
            return try body(&fixture)
        }
    }

    func counters(_ metrics: MetricsRegistry = MetricsRegistry()) -> LearnCounters {
        LearnCounters(metrics: metrics, deadLetterTopic: "llm.deadletter", models: Set(configuration.models.map(\.name)))
    }

    func learner(_ connection: PostgresConnection, counters: LearnCounters? = nil) throws -> VoteLearner {
        try VoteLearner(configuration: configuration, embedder: embedder, connection: connection, counters: counters ?? self.counters(),
                        log: StageLog(component: "learn", minimumLevel: .error))
    }

    /// Imports battles as `routeledger import --database` does, with their prompts embedded.
    @discardableResult
    func importBattles(_ battles: [LabelledBattle], on connection: PostgresConnection) throws -> RatingsVersion {
        let vectors = embedder.embed(battles.map(\.prompt)).values
        return try DatabaseImport.append(battles, embeddings: vectors, embedder: embedder.identity, tierCount: configuration.routing.tiers,
                                         rounds: configuration.learning.bootstrapRounds, on: connection)
    }

    static func battle(_ prompt: String, _ a: String, _ b: String, _ winner: BattleOutcome, source: String = "seed",
                       at seconds: Double? = nil) -> LabelledBattle {
        LabelledBattle(prompt: prompt, modelA: a, modelB: b, winner: winner, source: source,
                  foughtAt: seconds.map { Date(timeIntervalSince1970: $0) })
    }

    static func vote(_ id: String, prompt: String? = "a prompt", queryID: String? = nil, a: String = "strong", b: String = "weak",
                     winner: String = "model_a", voter: String = "user-1", source: String? = nil) -> Data {
        var object: [String: Any] = ["schema": VoteEvent.schema, "vote_id": id, "model_a": a, "model_b": b, "winner": winner,
                                     "voter": voter, "cast_at": "2026-11-24T10:00:00Z"]
        object["prompt"] = prompt
        object["query_id"] = queryID
        object["source"] = source
        return try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    static func record(_ topic: String, _ offset: Int64, _ value: Data, partition: Int32 = 0) -> InputRecord {
        InputRecord(source: RecordPosition(topic: topic, partition: partition, offset: offset), key: nil, value: value)
    }

    /// A learner's dead letters are kept here instead of being produced.
    final class DeadLetters {
        var records: [DeadLetterRecord] = []

        func deliver(_ outputs: [OutputRecord]) throws {
            records += try outputs.map { try JSONDecoder().decode(DeadLetterRecord.self, from: $0.value) }
        }
    }
}
