import Embeddings
import Testing

@Suite struct GivenEmbeddingTests {
    @Test func acceptsAVectorOfTheRightDimensionAndScalesItToUnitLength() throws {
        #expect(try checkedGivenEmbedding([3, 4], dimension: 2) == [0.6, 0.8])
    }

    @Test func refusesAWrongDimensionNonFiniteValuesAndTheZeroVector() {
        #expect(throws: GivenEmbeddingError.dimensionMismatch(expected: 3, actual: 2)) { try checkedGivenEmbedding([1, 2], dimension: 3) }
        #expect(throws: GivenEmbeddingError.notFinite(index: 1)) { try checkedGivenEmbedding([1, .nan], dimension: 2) }
        #expect(throws: GivenEmbeddingError.notFinite(index: 0)) { try checkedGivenEmbedding([.infinity, 1], dimension: 2) }
        #expect(throws: GivenEmbeddingError.zeroVector) { try checkedGivenEmbedding([0, 0], dimension: 2) }
    }

    @Test func tinyButNonZeroVectorsAreNormalisedWithoutUnderflow() throws {
        // Squares of 1e-30 underflow float32; the norm is accumulated in Double.
        let unit = try checkedGivenEmbedding([1e-30, 1e-30], dimension: 2)
        #expect(abs(unit[0] - 0.707_106_78) < 1e-6)
    }
}
