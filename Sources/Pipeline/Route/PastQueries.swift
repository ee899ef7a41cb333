import Embeddings
import Foundation
import Kafka
import Streams

/// The queries of a past span as the queries topic holds them, routed again as a route stage
/// would route them: what `routeledger replay` decides. Nothing is produced and no offset is
/// committed; the decisions are returned.
public struct PastQueries {
    /// Queries made in [`from`, `to`) (their `created_at`), of one tenant or all.
    public struct Span: Sendable {
        public var from: Date?
        public var to: Date?
        public var tenant: String?

        public init(from: Date? = nil, to: Date? = nil, tenant: String? = nil) {
            self.from = from
            self.to = to
            self.tenant = tenant
        }

        func contains(_ query: QueryEvent) -> Bool {
            (from.map { query.createdAt >= $0 } ?? true) && (to.map { query.createdAt < $0 } ?? true)
                && (tenant.map { query.tenant == $0 } ?? true)
        }
    }

    /// The queries of the span, in topic order per partition; a query sent more than once (a
    /// retry, a duplicate) once, as first read.
    public let records: [InputRecord]
    /// Records of the topic that are no query (they went to the dead-letter topic when routed).
    public let unreadable: Int
    /// False when the topic's end was not reached within the time given.
    public let complete: Bool

    public static func read(configuration: RouteLedgerConfiguration, span: Span, within timeout: Duration) throws -> PastQueries {
        let limits = QueryEvent.Limits(maxPromptBytes: configuration.maxPromptBytes)
        var records: [InputRecord] = []
        var seen: Set<[String]> = []
        var unreadable = 0
        let complete = try TopicSnapshot.read(configuration.topics.queries, configuration: configuration, within: timeout) { message in
            guard let query = try? QueryEvent(bytes: message.value, limits: limits, knownModels: nil) else {
                unreadable += 1
                return
            }
            guard span.contains(query), seen.insert([query.tenant, query.id]).inserted else { return }
            records.append(InputRecord(source: RecordPosition(message), key: message.key, value: message.value))
        }
        // Partitions interleave as the broker delivers them; a fixed order makes a replay repeatable.
        records.sort { ($0.source.topic, $0.source.partition, $0.source.offset) < ($1.source.topic, $1.source.partition, $1.source.offset) }
        return PastQueries(records: records, unreadable: unreadable, complete: complete)
    }

    /// Each query's decision under `snapshot` (its own threshold) with the query's request time,
    /// and how many were refused (an unconfigured model in `models`, an embedding that does not
    /// fit the memory).
    public func route(configuration: RouteLedgerConfiguration, snapshot: RouterSnapshot, embedder: (any Embedder)?,
                      batchSize: Int = 256) -> (decisions: [(decision: RoutingDecision, requestedAt: Date)], refused: Int) {
        let processor = RouteBatchProcessor(configuration: configuration, embedder: embedder)
        var decisions: [(decision: RoutingDecision, requestedAt: Date)] = []
        var refused = 0
        for start in stride(from: 0, to: records.count, by: batchSize) {
            // A replay keeps no decision times: every decision is made "at" one fixed time.
            let result = processor.process(Array(records[start..<min(start + batchSize, records.count)]), with: snapshot,
                                           now: Date(timeIntervalSince1970: 0))
            // The route stage wrote each query's created_at in the decision as it read it.
            decisions += result.decisions.map { ($0, parseTimestamp($0.createdAt)!) }
            refused += result.rejections.values.reduce(0, +)
        }
        return (decisions, refused)
    }
}
