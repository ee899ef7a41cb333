/// Queries with the quality of each model's answer: a score, or 1/0 for correct/incorrect.
/// Read from a generic JSON Lines file, from golden labels (RouteLLM's MMLU CSV layout) or
/// from judge scores.
public struct EvalSet: Sendable {
    public struct Query: Sendable, Equatable {
        public let prompt: String
        /// Model → quality of its answer.
        public let quality: [String: Double]
    }

    public var queries: [Query] = []
    /// Rows read, queries kept, rows skipped (including those on the contamination list).
    public var summary = ReadSummary()
    /// Where each query came from, for reporting.
    var origins: [(file: String, line: Int)] = []

    public init() {}

    /// `{"prompt": …, "quality": {"model": score or true/false, …}}` per line.
    public static func readJSONLines(files: [String]) throws(InputError) -> EvalSet {
        var set = EvalSet()
        for file in files {
            for (line, parsed) in JSONLines(bytes: try InputFiles.read(file)) {
                set.summary.rowsRead += 1
                do throws(FieldProblem) {
                    let fields = try JSONFields(line: parsed)
                    let prompt = try fields.string("prompt")
                    guard !prompt.isEmpty else { throw FieldProblem(reason: .emptyPrompt, detail: "prompt is empty") }
                    guard let qualities = fields.object["quality"] as? [String: Any], !qualities.isEmpty else {
                        throw FieldProblem(reason: .malformedField, detail: "field 'quality' is not an object of model → score")
                    }
                    let inner = JSONFields(qualities)
                    var quality: [String: Double] = [:]
                    for model in qualities.keys.sorted() {
                        do throws(FieldProblem) {
                            if let value = try inner.optionalNumber(model) { quality[model] = value }
                        } catch {
                            throw FieldProblem(reason: .malformedField, detail: "quality of '\(model)' is not a number or true/false")
                        }
                    }
                    set.append(Query(prompt: prompt, quality: quality), file: file, line: line)
                } catch {
                    set.summary.skip(RowProblem(file: file, line: line, reason: error.reason, detail: error.detail))
                }
            }
        }
        return set
    }

    /// Correct is 1, incorrect 0.
    public init(golden labels: GoldenLabels) {
        summary = labels.summary
        summary.kept = 0
        for question in labels.questions {
            let quality = Dictionary(question.correct.map { ($0.model, $0.isCorrect ? 1.0 : 0.0) }, uniquingKeysWith: { first, _ in first })
            append(Query(prompt: question.prompt, quality: quality), file: question.file, line: question.line)
        }
    }

    /// The judge's score is the quality.
    public init(judgeScores scores: JudgeScores) {
        summary = scores.summary
        summary.kept = 0
        for question in scores.questions where !question.scores.isEmpty {
            append(Query(prompt: question.prompt, quality: question.scores), file: question.file, line: question.line)
        }
    }

    private mutating func append(_ query: Query, file: String, line: Int) {
        queries.append(query)
        origins.append((file, line))
        summary.kept += 1
    }

    /// Leaves out the queries whose prompt is on the list; they count as skipped.
    public mutating func remove(contaminated prompts: Set<String>) {
        var kept: [Query] = []
        var keptOrigins: [(file: String, line: Int)] = []
        for (query, origin) in zip(queries, origins) {
            if prompts.contains(query.prompt) {
                summary.skip(RowProblem(file: origin.file, line: origin.line, reason: .contaminated,
                                        detail: "prompt is on the contamination list"))
                summary.kept -= 1
            } else {
                kept.append(query)
                keptOrigins.append(origin)
            }
        }
        queries = kept
        origins = keptOrigins
    }

    /// The queries on which both models have a quality, as the comparison of one routed pair.
    /// `modelName` gives the name a model of the set is routed by (a configuration's, where the
    /// set uses an alias); of two names of one model on a query, the first in name order counts.
    public func pair(strong: String, weak: String, modelName: (String) -> String = { $0 }) -> RoutedPairSet {
        let both = candidates([strong, weak], modelName: modelName)
        return RoutedPairSet(strong: strong, weak: weak, prompts: both.prompts, strongQuality: both.quality.map { $0[0] },
                             weakQuality: both.quality.map { $0[1] }, leftOut: both.leftOut)
    }

    /// The queries on which every one of `models` has a quality, with those qualities in the
    /// order of `models`; names as for `pair`.
    public func candidates(_ models: [String], modelName: (String) -> String = { $0 }) -> CandidateQualities {
        var prompts: [String] = []
        var quality: [[Double]] = []
        for query in queries {
            let named = Dictionary(query.quality.sorted { $0.key < $1.key }.map { (modelName($0.key), $0.value) },
                                   uniquingKeysWith: { first, _ in first })
            let values = models.compactMap { named[$0] }
            guard values.count == models.count else { continue }
            prompts.append(query.prompt)
            quality.append(values)
        }
        return CandidateQualities(models: models, prompts: prompts, quality: quality, leftOut: queries.count - prompts.count)
    }

    /// Every model with a quality on some query.
    public var models: Set<String> {
        Set(queries.flatMap(\.quality.keys))
    }
}

/// An evaluation set reduced to one strong and one weak model.
public struct RoutedPairSet: Sendable {
    public let strong: String
    public let weak: String
    public let prompts: [String]
    public let strongQuality: [Double]
    public let weakQuality: [Double]
    /// Queries without a quality for one of the two models.
    public let leftOut: Int
}

/// An evaluation set reduced to the queries every candidate model has a quality on.
public struct CandidateQualities: Sendable {
    public let models: [String]
    public let prompts: [String]
    /// Per query, the quality of each model's answer, in the order of `models`.
    public let quality: [[Double]]
    /// Queries without a quality for one of the models.
    public let leftOut: Int
}
