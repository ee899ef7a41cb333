import Foundation
import Ranking

/// A workload generator of our own, for the demo and for tests that need prompts with a known
/// answer: SYNTHETIC prompts from a handful of topics, each with a ground truth of how often
/// the strong model beats the weak one. No third-party prompt is in it.
///
/// Prompts of one topic share their vocabulary, so any embedder places them near each other, and
/// the SW router, given battles drawn from the same truth, should learn to send the topics where
/// the strong model wins to it and the others to the weak model.
struct SyntheticWorkload {
    struct Topic {
        let name: String
        /// P(strong beats weak) when the battle is not a tie.
        let strongWinRate: Double
        let templates: [String]
        let fillers: [String]
        /// Typical answer length, in tokens.
        let outputTokens: ClosedRange<Int>
    }

    static let topics: [Topic] = [
        Topic(name: "proofs", strongWinRate: 0.9,
              templates: ["Prove that the sum of the first {} odd numbers equals a perfect square.",
                          "Give a rigorous proof that {} is irrational, step by step.",
                          "Show by induction that {} divides the expression for every natural number."],
              fillers: ["n", "the square root of 2", "seven", "the golden ratio", "twelve", "2^n - 1"], outputTokens: 300...900),
        Topic(name: "code", strongWinRate: 0.8,
              templates: ["Write a {} function that parses a CSV file with quoted fields and escaped quotes.",
                          "Implement a thread-safe LRU cache in {} with unit tests.",
                          "Find the bug in this {} code that deadlocks when two workers share a mutex."],
              fillers: ["Swift", "Rust", "Python", "Go", "C++", "Java"], outputTokens: 250...800),
        Topic(name: "contracts", strongWinRate: 0.75,
              templates: ["Summarise the liability clauses of a {} agreement and flag unusual indemnities.",
                          "Does a {} contract with an automatic renewal clause need notice to terminate?"],
              fillers: ["software licence", "commercial lease", "consulting", "supply", "employment"], outputTokens: 200...600),
        Topic(name: "trivia", strongWinRate: 0.6,
              templates: ["Which river flows through {}?", "In what year was the first bridge in {} built?"],
              fillers: ["Vienna", "Budapest", "Lisbon", "Cairo", "Prague", "Montreal"], outputTokens: 20...120),
        Topic(name: "translation", strongWinRate: 0.5,
              templates: ["Translate 'the meeting moved to Thursday afternoon' into {}.",
                          "How do you say 'where is the train station' in {}?"],
              fillers: ["French", "German", "Spanish", "Italian", "Portuguese", "Dutch"], outputTokens: 10...60),
        Topic(name: "chat", strongWinRate: 0.35,
              templates: ["Tell me a fun fact about {}.", "What is a good name for a pet {}?", "Say hello to my friend who loves {}."],
              fillers: ["otters", "penguins", "cats", "parrots", "hedgehogs", "goldfish"], outputTokens: 15...80),
    ]

    static let tieRate = 0.2

    private var generator: SeededGenerator

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    mutating func topic() -> Topic {
        Self.topics.randomElement(using: &generator)!
    }

    mutating func prompt(in topic: Topic) -> String {
        let template = topic.templates.randomElement(using: &generator)!
        let filler = topic.fillers.randomElement(using: &generator)!
        let variant = Int.random(in: 1...999, using: &generator)
        return template.replacingOccurrences(of: "{}", with: filler) + " (case \(variant))"
    }

    /// The outcome of strong (model A) against weak (model B) on a prompt of this topic.
    mutating func outcome(in topic: Topic) -> BattleOutcome {
        if Double.random(in: 0..<1, using: &generator) < Self.tieRate {
            return Bool.random(using: &generator) ? .tie : .tieBothBad
        }
        return Double.random(in: 0..<1, using: &generator) < topic.strongWinRate ? .modelA : .modelB
    }

    mutating func outputTokens(in topic: Topic) -> Int {
        Int.random(in: topic.outputTokens, using: &generator)
    }
}
