import Foundation
import Ledger
import Testing
@testable import Pipeline

@Suite struct UsageEventTests {
    private let valid = #"{"schema":"routeledger.usage.v1","query_id":"q1","tenant":"acme","model":"weak","input_tokens":120,"output_tokens":300,"completed_at":"2026-11-24T10:00:05Z"}"#

    @Test func readsAUsageReport() throws {
        let usage = try UsageEvent(bytes: Data(valid.utf8))
        #expect(usage.queryID == "q1" && usage.model == "weak")
        // No cached or reasoning tokens stated: none.
        #expect(usage.tokens == (try TokenCounts(input: 120, cachedInput: 0, output: 300, reasoning: 0)))
        #expect(usage.decisionID == nil)
    }

    @Test func readsCachedInputAndReasoningTokens() throws {
        let usage = try UsageEvent(bytes: Data(valid.replacingOccurrences(
            of: #""output_tokens":300"#, with: #""output_tokens":300,"cached_input_tokens":120,"reasoning_tokens":7"#).utf8))
        #expect(usage.tokens == (try TokenCounts(input: 120, cachedInput: 120, output: 300, reasoning: 7)))
    }

    /// Cached input tokens are part of the input tokens and reasoning tokens part of the output
    /// tokens: more of them than of those, or a count that is no count, is refused naming the field.
    @Test(arguments: [
        (#""cached_input_tokens":121"#, "'cached_input_tokens' (121) must not exceed 'input_tokens' (120)"),
        (#""reasoning_tokens":301"#, "'reasoning_tokens' (301) must not exceed 'output_tokens' (300)"),
        (#""cached_input_tokens":-1"#, "'cached_input_tokens' must be between 0 and"),
        (#""reasoning_tokens":2.5"#, "'reasoning_tokens' must be an integer"),
        (#""reasoning_tokens":"7""#, "'reasoning_tokens' must be an integer"),
    ])
    func refusesCachedOrReasoningTokensBeyondTheirWhole(field: String, message: String) {
        let json = valid.replacingOccurrences(of: #""output_tokens":300"#, with: #""output_tokens":300,"# + field)
        do {
            _ = try UsageEvent(bytes: Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.kind == .invalidField && error.message.contains(message), "\(error)")
        }
    }

    @Test(arguments: [
        (#"{"schema":"routeledger.usage.v1","query_id":"q1","tenant":"acme","model":"weak","input_tokens":-1,"output_tokens":3,"completed_at":"2026-11-24T10:00:05Z"}"#, EventRejection.Kind.invalidField),
        (#"{"schema":"routeledger.usage.v1","query_id":"q1","tenant":"acme","model":"weak","input_tokens":1.5,"output_tokens":3,"completed_at":"2026-11-24T10:00:05Z"}"#, .invalidField),
        (#"{"schema":"routeledger.usage.v1","query_id":"q1","tenant":"acme","model":"weak","input_tokens":1e13,"output_tokens":3,"completed_at":"2026-11-24T10:00:05Z"}"#, .invalidField),
        (#"{"schema":"routeledger.usage.v1","query_id":"q1","tenant":"acme","input_tokens":1,"output_tokens":3,"completed_at":"2026-11-24T10:00:05Z"}"#, .missingField),
        (#"{"schema":"routeledger.query.v1","query_id":"q1"}"#, .wrongSchema),
    ])
    func refusesBadReports(json: String, kind: EventRejection.Kind) {
        do {
            _ = try UsageEvent(bytes: Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.kind == kind)
        }
    }
}

@Suite struct VoteEventTests {
    @Test func readsAVoteWithAPromptOrAQueryID() throws {
        let vote = try VoteEvent(bytes: Data(#"{"schema":"routeledger.vote.v1","vote_id":"v1","prompt":"hi","model_a":"a","model_b":"b","winner":"tie (bothbad)","voter":"u1","cast_at":"2026-11-24T10:00:05Z"}"#.utf8))
        #expect(vote.winner == .tieBothBad && vote.prompt == "hi" && vote.queryID == nil)
        let byQuery = try VoteEvent(bytes: Data(#"{"schema":"routeledger.vote.v1","vote_id":"v2","query_id":"q9","model_a":"a","model_b":"b","winner":"model_b","voter":"u1","cast_at":"2026-11-24T10:00:05Z"}"#.utf8))
        #expect(byQuery.queryID == "q9" && byQuery.prompt == nil)
    }

    @Test(arguments: [
        (#"{"schema":"routeledger.vote.v1","vote_id":"v","model_a":"a","model_b":"b","winner":"model_a","voter":"u","cast_at":"2026-11-24T10:00:05Z"}"#, EventRejection.Kind.missingField),
        (#"{"schema":"routeledger.vote.v1","vote_id":"v","prompt":"p","model_a":"a","model_b":"a","winner":"model_a","voter":"u","cast_at":"2026-11-24T10:00:05Z"}"#, .invalidField),
        (#"{"schema":"routeledger.vote.v1","vote_id":"v","prompt":"p","model_a":"a","model_b":"b","winner":"a","voter":"u","cast_at":"2026-11-24T10:00:05Z"}"#, .invalidField),
        (#"{"schema":"routeledger.vote.v1","vote_id":"v","prompt":"  ","model_a":"a","model_b":"b","winner":"tie","voter":"u","cast_at":"2026-11-24T10:00:05Z"}"#, .emptyPrompt),
        (#"{"schema":"routeledger.vote.v1","vote_id":"v","prompt":"p","model_a":"a","model_b":"b","winner":"tie","cast_at":"2026-11-24T10:00:05Z"}"#, .missingField),
    ])
    func refusesBadVotes(json: String, kind: EventRejection.Kind) {
        do {
            _ = try VoteEvent(bytes: Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.kind == kind)
        }
    }
}
