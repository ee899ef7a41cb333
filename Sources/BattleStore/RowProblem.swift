/// Why a row of an input file was not used, as counted in a summary: a short fixed phrase, so
/// that rows skipped for the same reason add up.
public struct SkipReason: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let phrase: String

    public init(_ phrase: String) {
        self.phrase = phrase
    }

    public var description: String { phrase }

    public static func < (lhs: SkipReason, rhs: SkipReason) -> Bool { lhs.phrase < rhs.phrase }

    public static let unreadableRow = SkipReason("unreadable row")
    public static let missingField = SkipReason("missing field")
    public static let malformedField = SkipReason("malformed field")
    public static let shortPrompt = SkipReason("prompt shorter than 16 characters")
    public static let emptyPrompt = SkipReason("empty prompt")
    public static let noSingleWinner = SkipReason("not exactly one winner flag set")
    public static let unknownWinner = SkipReason("unknown winner")
    public static let sameModel = SkipReason("same model on both sides")
    public static let scoreMissingOrBelowOne = SkipReason("score missing or below 1")
    public static let unknownQuestion = SkipReason("unknown question")
    public static let duplicate = SkipReason("duplicate")
    public static let badLabel = SkipReason("correctness not True or False")
    public static let contaminated = SkipReason("on the contamination list")
}

/// One row that was skipped: where it is and what is wrong with it.
public struct RowProblem: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: SkipReason
    public let detail: String

    public init(file: String, line: Int, reason: SkipReason, detail: String) {
        self.file = file
        self.line = line
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(file):\(line): \(detail)" }
}

/// What reading an input produced besides its items: rows read, items kept, rows skipped by
/// reason, and every skipped row.
public struct ReadSummary: Sendable, Equatable {
    public var rowsRead = 0
    public var kept = 0
    public private(set) var problems: [RowProblem] = []

    public init() {}

    public mutating func skip(_ problem: RowProblem) {
        problems.append(problem)
    }

    public var skippedByReason: [SkipReason: Int] {
        problems.reduce(into: [:]) { $0[$1.reason, default: 0] += 1 }
    }

    public var skipped: Int { problems.count }
}
