@testable import Embeddings
import Foundation
import Testing

/// The int8 product of a dense layer: exact on values that lie on the quantisation grids
/// (±4,095 levels per activation row, ±127 per weight row), within half a level otherwise.
@Suite struct QuantizedWeightTests {
    /// `rows` rows of `count` integers in −levels…levels times `unit`, a different pattern per
    /// seed, each row holding ±levels so that its scale is exactly `unit`.
    private func gridRows(_ rows: Int, _ count: Int, levels: Int, seed: Int, unit: Float) -> [Float] {
        (0..<rows).flatMap { row in
            (0..<count).map { column -> Float in
                if column == row % count { return Float((row + seed).isMultiple(of: 2) ? levels : -levels) * unit }
                return Float((column * 37 + row * 11 + seed * 5) % (2 * levels + 1) - levels) * unit
            }
        }
    }

    private func product(_ weight: QuantizedWeight, _ input: [Float], rows: Int, startingFrom initial: [Float]? = nil,
                         accumulate: Bool = false) -> [Float] {
        var output = initial ?? [Float](repeating: .nan, count: rows * weight.outputs)
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in weight.multiply(i.baseAddress!, rows: rows, into: o.baseAddress!, accumulate: accumulate) }
        }
        return output
    }

    @Test(arguments: [(rows: 5, outputs: 4, depth: 32), (rows: 130, outputs: 6, depth: 48), (rows: 1, outputs: 2, depth: 16)])
    func valuesOnTheGridsMultiplyExactly(rows: Int, outputs: Int, depth: Int) {
        // With units that are powers of two the scales are exactly the units, every code is the
        // integer itself, and the result is the integer dot product times 0.25 · 0.5.
        let input = gridRows(rows, depth, levels: 4_095, seed: 1, unit: 0.25)
        let weight = gridRows(outputs, depth, levels: 127, seed: 2, unit: 0.5)
        let expected = (0..<(rows * outputs)).map { index -> Float in
            let (row, output) = (index / outputs, index % outputs)
            var sum = 0
            for k in 0..<depth { sum += Int(input[row * depth + k] / 0.25) * Int(weight[output * depth + k] / 0.5) }
            return Float(sum) * 0.25 * 0.5
        }
        #expect(product(QuantizedWeight(weight, outputs: outputs, inputs: depth), input, rows: rows) == expected)
    }

    @Test func accumulatingAddsToWhatTheOutputHeld() {
        // One row [4095, 0, …] against weight rows [127, 0, …] and [0, −127, 0, …]: products
        // 4,095 · 127 = 520,065 and 0, added to the 1 and 2 already there.
        var input = [Float](repeating: 0, count: 16), weight = [Float](repeating: 0, count: 32)
        input[0] = 4_095
        weight[0] = 127
        weight[17] = -127
        let result = product(QuantizedWeight(weight, outputs: 2, inputs: 16), input, rows: 1, startingFrom: [1, 2], accumulate: true)
        #expect(result == [520_066, 2])
    }

    @Test func anAllZeroRowOrWeightGivesZeros() {
        let input = [Float](repeating: 0, count: 16) + [Float](repeating: 3, count: 16)
        let weight = [Float](repeating: 0, count: 16) + [Float](repeating: -2, count: 16)
        let result = product(QuantizedWeight(weight, outputs: 2, inputs: 16), input, rows: 2)
        #expect(result[0..<3] == [0, 0, 0])
        // Row 2 · weight 2: 16 · 3 · −2 = −96, on both grids (3 → 4,095, −2 → −127); the
        // scales 3/4,095 and 2/127 are rounded floats, so a few ulps.
        #expect(abs(result[3] + 96) < 1e-4)
    }

    @Test func roundingErrorStaysWithinHalfALevelPerFactor() {
        // Off-grid values of magnitude ≤ 1: an activation is off by at most ½/4,095, a weight by
        // ½/127, so a term x·w by at most their sum plus their product, and a 16-term dot product
        // by 16 times that, ≈ 0.065.
        let input = (0..<16).map { Float(sin(Double($0) * 1.3)) }
        let weight = (0..<32).map { Float(cos(Double($0) * 0.7)) }
        let result = product(QuantizedWeight(weight, outputs: 2, inputs: 16), input, rows: 1)
        let activationError = 0.5 / 4_095, weightError = 0.5 / 127
        let bound: Double = 16 * (activationError + weightError + activationError * weightError)
        for o in 0..<2 {
            var exact = 0.0
            for k in 0..<16 { exact += Double(input[k]) * Double(weight[o * 16 + k]) }
            #expect(abs(Double(result[o]) - exact) <= bound)
        }
    }
}
