import Foundation
import Pipeline
import Testing

/// The hand-written malformed events of Corpus/, with what each must be refused as
/// (Corpus/manifest.json).
struct BadInputCorpus {
    enum EventType: String, Decodable {
        case query, vote, usage
    }

    /// Where the refusal happens: the event's parser, or the route stage after a successful
    /// parse (an embedding only the battle memory's dimension shows to be wrong).
    enum CheckedBy: String, Decodable {
        case parser, route
    }

    struct Entry: Decodable, CustomTestStringConvertible {
        let file: String
        let event: EventType
        let kind: String
        let checkedBy: CheckedBy

        enum CodingKeys: String, CodingKey {
            case file, event, kind
            case checkedBy = "checked_by"
        }

        var testDescription: String { file }
    }

    static let directory = Bundle.module.url(forResource: "Corpus", withExtension: nil)!

    static let entries: [Entry] = {
        do {
            let manifest = try Data(contentsOf: directory.appending(path: "manifest.json"))
            return try JSONDecoder().decode([Entry].self, from: manifest)
        } catch {
            preconditionFailure("Corpus/manifest.json cannot be read: \(error)")
        }
    }()

    static func bytes(of entry: Entry) throws -> Data {
        try Data(contentsOf: directory.appending(path: entry.file))
    }

    /// The models the corpus's query events may name.
    static let knownModels: ModelNames = ["strong", "weak"]

    /// Parses `bytes` as `event`; the rejection's kind, or nil when the parser accepts it.
    static func rejection(parsing bytes: Data, as event: EventType, queryLimits: QueryEvent.Limits = QueryEvent.Limits()) -> EventRejection.Kind? {
        do {
            switch event {
            case .query: _ = try QueryEvent(bytes: bytes, limits: queryLimits, knownModels: knownModels)
            case .vote: _ = try VoteEvent(bytes: bytes)
            case .usage: _ = try UsageEvent(bytes: bytes)
            }
            return nil
        } catch {
            return error.kind
        }
    }
}
