import BattleStore
import Foundation
import Pipeline
import Ranking

/// A query of the demo's stream and what the demo knows of it that the router does not: whether
/// each model's answer is good (for the cost-quality curve), and the user's verdict if one votes.
struct DemoQuery {
    let id: String
    let tenant: String
    let prompt: String
    /// The synthetic topic, or the MMLU domain.
    let group: String
    let strongIsGood: Bool
    let weakIsGood: Bool
    let outputTokens: Int

    /// The verdict of a user who saw both answers.
    var winner: BattleOutcome { Self.verdict(strongIsGood: strongIsGood, weakIsGood: weakIsGood) }

    /// Strong is model A: a good answer beats a bad one; two good ones tie, two bad ones tie badly.
    static func verdict(strongIsGood: Bool, weakIsGood: Bool) -> BattleOutcome {
        switch (strongIsGood, weakIsGood) {
        case (true, false): .modelA
        case (false, true): .modelB
        case (true, true): .tie
        case (false, false): .tieBothBad
        }
    }
}

/// Where the demo's battles and queries come from: the synthetic workload, or with `--data DIR`
/// RouteLLM's MMLU answers (`DIR/routellm-mmlu/responses/*.csv`: which model answered each
/// question correctly).
struct DemoSource {
    let description: String
    /// What quality means on the cost-quality plot.
    let qualityLabel: String
    let battles: [LabelledBattle]
    let queries: [DemoQuery]
    /// Groups whose ground truth the summary shows (synthetic topics), else empty.
    let groupTruth: [(group: String, strongWinRate: Double)]

    static let tenants = ["acme", "globex", "initech"]

    static func synthetic(battles count: Int, queries queryCount: Int, seed: UInt64) -> DemoSource {
        var workload = SyntheticWorkload(seed: seed)
        let now = Date()
        let battles = (0..<count).map { _ in
            let topic = workload.topic()
            return LabelledBattle(prompt: workload.prompt(in: topic), modelA: PipelineSandbox.strongModel, modelB: PipelineSandbox.weakModel,
                             winner: workload.outcome(in: topic), source: "synthetic:\(topic.name)", foughtAt: now)
        }
        let queries = (0..<queryCount).map { index in
            let topic = workload.topic()
            let outcome = workload.outcome(in: topic)
            return DemoQuery(id: "q\(index)", tenant: tenants[index % tenants.count], prompt: workload.prompt(in: topic),
                             group: topic.name, strongIsGood: outcome == .modelA || outcome == .tie,
                             weakIsGood: outcome == .modelB || outcome == .tie, outputTokens: workload.outputTokens(in: topic))
        }
        return DemoSource(description: "SYNTHETIC workload (six topics with a known strong-model win rate)",
                          qualityLabel: "Answers at least as good as the other model's (%)", battles: battles, queries: queries,
                          groupTruth: SyntheticWorkload.topics.map { ($0.name, $0.strongWinRate) })
    }

    /// Questions shuffled by `seed`: the first `count` become battles (a correct answer beats a
    /// wrong one), the next `queryCount` the query stream.
    static func mmlu(directory: URL, battles count: Int, queries queryCount: Int, seed: UInt64) throws -> DemoSource {
        let folder = directory.appendingPathComponent("routellm-mmlu/responses")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".csv") }.sorted().map { folder.appendingPathComponent($0).path }
        guard !files.isEmpty else {
            throw CommandFailure("--data: no CSV files in \(folder.path) (expected RouteLLM's MMLU responses, as in ../shared/data)")
        }
        let labels: GoldenLabels
        do {
            labels = try GoldenLabels.read(files: files)
        } catch {
            throw CommandFailure("--data: \(error)")
        }
        // Columns are matched by name: gpt-4… is the strong model, Mixtral… the weak one.
        func correctness(_ question: GoldenLabels.Question, _ fragment: String) -> Bool? {
            question.correct.first { $0.model.lowercased().contains(fragment) }?.isCorrect
        }
        var rows: [(question: GoldenLabels.Question, strong: Bool, weak: Bool)] = labels.questions.compactMap { question in
            guard let strong = correctness(question, "gpt-4"), let weak = correctness(question, "mixtral") else { return nil }
            return (question, strong, weak)
        }
        guard rows.count >= count + queryCount else {
            throw CommandFailure("--data: \(rows.count) questions with answers of both gpt-4 and Mixtral; "
                                 + "--battles plus --queries asks for \(count + queryCount)")
        }
        var generator = SeededGenerator(seed: seed)
        rows.shuffle(using: &generator)
        let now = Date()
        let battles = rows[..<count].map { row in
            LabelledBattle(prompt: row.question.prompt, modelA: PipelineSandbox.strongModel, modelB: PipelineSandbox.weakModel,
                      winner: DemoQuery.verdict(strongIsGood: row.strong, weakIsGood: row.weak), source: row.question.source,
                      foughtAt: now)
        }
        let queries = rows[count..<(count + queryCount)].enumerated().map { index, row in
            // An MMLU answer is a letter and a few words.
            DemoQuery(id: "q\(index)", tenant: tenants[index % tenants.count], prompt: row.question.prompt,
                      group: URL(fileURLWithPath: row.question.file).deletingPathExtension().lastPathComponent,
                      strongIsGood: row.strong, weakIsGood: row.weak, outputTokens: Int.random(in: 2...12, using: &generator))
        }
        return DemoSource(description: "RouteLLM's MMLU answers from \(folder.path)", qualityLabel: "MMLU accuracy (%)",
                          battles: battles, queries: queries, groupTruth: [])
    }
}
