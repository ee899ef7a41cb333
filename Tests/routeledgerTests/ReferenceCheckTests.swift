import Foundation
import Ranking
import TestSupport
import Testing
@testable import routeledger

/// The acceptance check of the SW router: on every reference set of shared/reference/sw and for
/// both variants, the strong model's win rate is within 1e-6 of RouteLLM's formulation solved to
/// convergence, and the tiers are the same.
@Suite struct ReferenceCheckTests {
    @Test(arguments: ["small", "main"], SameTierRule.allCases)
    func matchesTheReferenceMethod(set: String, rule: SameTierRule) throws {
        let reference = try ReferenceSet(directory: try SharedFixtures.url("reference/sw/\(set)"))
        let check = try ReferenceCheck(reference, rule: rule, batch: 64)
        #expect(check.queries == reference.queries.rows && check.queries > 0)
        #expect(check.tiersMatch)
        #expect(check.largestWinRateDifference <= 1e-6)
        #expect(check.largestRatingDifference <= 1e-3)
        #expect(check.largestGlobalRatingDifference <= 1e-3)
    }

    /// The check itself must be able to fail: with the other variant's expectations the
    /// numbers disagree well beyond the tolerance.
    @Test func detectsTheWrongVariant() throws {
        let reference = try ReferenceSet(directory: try SharedFixtures.url("reference/sw/small"))
        let swapped = ReferenceSet(memory: reference.memory, queries: reference.queries, tierCount: reference.tierCount,
                                   globalRatings: reference.globalRatings, tiers: reference.tiers,
                                   strongModel: reference.strongModel, weakModel: reference.weakModel,
                                   expected: [.exclude: reference.expected[.routellmCompatible]!])
        let check = try ReferenceCheck(swapped, rule: .exclude, batch: 64)
        #expect(check.largestWinRateDifference > 1e-4)
    }

    @Test func aMissingSetIsAClearError() {
        #expect(throws: CommandFailure.self) {
            try ReferenceSet(directory: URL(fileURLWithPath: "/nonexistent/reference"))
        }
    }
}
