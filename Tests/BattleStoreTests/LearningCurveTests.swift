import Embeddings
import Ranking
import Testing
@testable import BattleStore

/// The learning curve's schedule of votes and what each step's router may learn from.
@Suite struct LearningCurveTests {
    @Test func stepsDoubleFromTwentyFiveAndEndWithEveryVote() {
        #expect(VoteArrival.steps(votes: 240) == [25, 50, 100, 200, 240])
        #expect(VoteArrival.steps(votes: 200) == [25, 50, 100, 200])
        #expect(VoteArrival.steps(votes: 26) == [25, 26])
        #expect(VoteArrival.steps(votes: 7) == [7])
    }

    /// 50 prompts, one of them twice: 10 of the 50 distinct ones (20 %) are held out, the other
    /// 40 arrive, every prompt exactly once, and a seed fixes both.
    @Test func aSeedFixesTheHeldOutBlockAndTheOrderOfArrival() {
        let prompts = (0..<50).map { "p\($0)" } + ["p3"]
        let first = VoteArrival(prompts: prompts, holdout: 0.2, seed: 1)
        #expect(first.heldOut.count == 10 && first.arrivals.count == 40)
        #expect(first.heldOut.isDisjoint(with: first.arrivals) && first.heldOut.union(first.arrivals) == Set(prompts))
        let again = VoteArrival(prompts: prompts, holdout: 0.2, seed: 1)
        #expect(again.heldOut == first.heldOut && again.arrivals == first.arrivals)
        let other = VoteArrival(prompts: prompts, holdout: 0.2, seed: 2)
        #expect(other.arrivals != first.arrivals)
    }

    /// Two topics on orthogonal axes of a 3-dimensional space (the third holds a prompt outside
    /// the evaluation set). On topic A the strong model is right and the weak one wrong (the
    /// strong model wins its battle); on topic B both are right (a tie).
    private struct TopicSet {
        static let embedder = EmbedderIdentity(name: "axes", version: "1")
        let prompts = (0..<40).map { $0 % 2 == 0 ? "A\($0)" : "B\($0)" }

        func axis(_ prompt: String) -> ArraySlice<Float> {
            ArraySlice(prompt.hasPrefix("A") ? [1, 0, 0] : prompt.hasPrefix("B") ? [0, 1, 0] : [0, 0, 1])
        }

        func battle(_ prompt: String, _ winner: BattleOutcome) -> LabelledBattle {
            LabelledBattle(prompt: prompt, modelA: "strong", modelB: "weak", winner: winner, source: "test", foughtAt: nil)
        }

        var votes: [LabelledBattle] {
            prompts.map { battle($0, $0.hasPrefix("A") ? .modelA : .tie) }
        }

        var pair: RoutedPairSet {
            RoutedPairSet(strong: "strong", weak: "weak", prompts: prompts, strongQuality: prompts.map { _ in 1 },
                          weakQuality: prompts.map { $0.hasPrefix("A") ? 0 : 1 }, leftOut: 0)
        }

        var embedding: [String: ArraySlice<Float>] {
            Dictionary(uniqueKeysWithValues: prompts.map { ($0, axis($0)) })
        }

        func curve(start: LoadedBattles, seed: UInt64) -> LearningCurve {
            LearningCurve(start: start, votes: votes, embedding: embedding, pair: pair,
                          pairEmbeddings: FloatMatrix(rows: prompts.count, columns: 3, values: prompts.flatMap(axis)),
                          arrivals: VoteArrival(prompts: prompts, holdout: 0.25, seed: seed))
        }
    }

    /// The starting memory holds a battle of every evaluation prompt with the opposite outcome
    /// (as a memory imported from the same set would) and one of a prompt outside the set. At
    /// every step the router's battles are the outside one and the votes' of the prompts arrived
    /// so far: never a held-out prompt's, and never the starting memory's of an evaluation prompt.
    @Test func heldOutPromptsNeverReachARouter() {
        let set = TopicSet()
        let inStart = set.prompts.map { set.battle($0, .modelB) } + [set.battle("outside", .modelA)]
        let start = LoadedBattles(battles: inStart, embeddings: inStart.flatMap { set.axis($0.prompt) }, dimension: 3,
                                  embedder: TopicSet.embedder)
        for seed: UInt64 in [1, 2, 3] {
            let curve = set.curve(start: start, seed: seed)
            #expect(curve.arrivals.heldOut.count == 10 && curve.heldOutQueries == 10)
            for votes in [0] + VoteArrival.steps(votes: curve.arrivals.arrivals.count) {
                let learnt = curve.battleIndices(afterVotes: votes).map { curve.battles.battles[$0] }
                #expect(learnt.allSatisfy { !curve.arrivals.heldOut.contains($0.prompt) })
                #expect(learnt.filter { $0.prompt == "outside" }.count == 1)
                #expect(Set(learnt.map(\.prompt)) == Set(["outside"] + curve.arrivals.arrivals.prefix(votes)))
                #expect(learnt.allSatisfy { $0.winner != .modelB }, "a starting battle of an evaluation prompt was learnt")
            }
        }
    }

    /// After every vote each topic has battles, and orthogonal topics make a query's own topic
    /// weigh 10·10^1 = 100 and the other 10·10^0 = 10: a topic-A query's strong win rate is
    /// (100·nA + 10·nB/2) / (100·nA + 10·nB), a topic-B query's (10·nA + 100·nB/2) / (10·nA +
    /// 100·nB), the first always the higher. Every A query goes strong before any B query, and
    /// B queries lose nothing on the weak model: PGR is 1 at every share (APGR 1 in both forms),
    /// and CPT(50 %) is the share of A queries in the held-out block, the first point of the
    /// curve past them. Before any vote the router knows neither model and gets random's figures.
    @Test func aRouterThatLearntTheTopicsBeatsTheRandomOne() throws {
        let set = TopicSet()
        let start = LoadedBattles(battles: [], embeddings: [], dimension: 3, embedder: TopicSet.embedder)
        let curve = set.curve(start: start, seed: 4)
        let heldOutA = curve.arrivals.heldOut.count { $0.hasPrefix("A") }
        try #require(heldOutA > 0 && heldOutA < 10, "the block holds both topics")

        let learnt = try curve.step(afterVotes: 30, strong: "strong", weak: "weak", tierCount: 10)
        #expect(learnt.ranks && learnt.votes == 30 && learnt.battles == 30)
        #expect(abs(learnt.figures.apgr - 1) < 1e-12 && abs(learnt.figures.apgrTrapezoid - 1) < 1e-12)
        #expect(abs(learnt.pgr - 1) < 1e-12)
        #expect(abs(learnt.figures.cpt50! - Double(heldOutA) / 10) < 1e-12)
        #expect(learnt.sharpness == 1)

        let none = try curve.step(afterVotes: 0, strong: "strong", weak: "weak", tierCount: 10)
        #expect(!none.ranks && none.battles == 0 && none.sharpness == nil)
        #expect(abs(none.figures.apgr - 0.55) < 1e-12 && abs(none.pgr - 0.4) < 1e-12)
    }
}
