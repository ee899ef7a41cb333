import Dispatch
import Int8Kernels

/// A dense layer's `[outputs, inputs]` weight in int8: each output row scaled by its own
/// `max |w| / 127` (symmetric, so zero stays exactly zero and no offset enters the products).
/// One scale per row rather than one per matrix because the rows of BERT's weights differ in
/// range by an order of magnitude; a shared scale would leave the small rows a few levels.
struct QuantizedWeight: Sendable {
    /// Row groups per block of work handed to a core (48 token rows).
    static let groupsPerBlock = 8

    let outputs: Int
    let inputs: Int
    let codes: [Int8]
    let scales: [Float]

    init(_ weight: [Float], outputs: Int, inputs: Int) {
        precondition(weight.count == outputs * inputs, "weight is not outputs × inputs")
        var codes = [Int8](repeating: 0, count: weight.count)
        var scales = [Float](repeating: 0, count: outputs)
        for row in 0..<outputs {
            let values = weight[(row * inputs)..<((row + 1) * inputs)]
            let largest = values.reduce(0) { max($0, abs($1)) }
            guard largest > 0 else { continue }
            scales[row] = largest / 127
            for (column, value) in values.enumerated() {
                codes[row * inputs + column] = Int8((value * (127 / largest)).rounded())
            }
        }
        self.outputs = outputs
        self.inputs = inputs
        self.codes = codes
        self.scales = scales
    }

    /// `output = input · weightᵀ` (+ `output` when accumulating) for `rows` rows: each row of
    /// `input` is quantised with its own scale (dynamic: activations' ranges vary from token to
    /// token far more than a fixed scale would allow), multiplied in integers and scaled back.
    /// Rows are handed to the cores in blocks.
    func multiply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let group = Int8MatrixProduct.rowGroup
        let groups = (rows + group - 1) / group
        // The last group's rows past `rows` are zero codes: computed, never written out.
        let codes = UnsafeMutablePointer<Int16>.allocate(capacity: groups * group * inputs)
        let rowScales = UnsafeMutablePointer<Float>.allocate(capacity: groups * group)
        defer {
            codes.deallocate()
            rowScales.deallocate()
        }
        (codes + rows * inputs).initialize(repeating: 0, count: (groups * group - rows) * inputs)
        (rowScales + rows).initialize(repeating: 0, count: groups * group - rows)
        let shared = (input: SharedPointer(base: UnsafeMutablePointer(mutating: input)), output: SharedPointer(base: output),
                      codes: SharedCodes(base: codes), rowScales: SharedPointer(base: rowScales))
        let inputs = inputs, outputs = outputs
        self.codes.withUnsafeBufferPointer { weightCodes in
            scales.withUnsafeBufferPointer { weightScales in
                let weights = (codes: SharedWeightCodes(base: weightCodes.baseAddress!),
                               scales: SharedPointer(base: UnsafeMutablePointer(mutating: weightScales.baseAddress!)))
                // Blocks of a few groups, handed out as cores come free, rather than one half per
                // core: a core slowed by other work then takes fewer blocks instead of holding up
                // the product. Small products stay on the calling thread.
                let blockGroups = Self.groupsPerBlock
                let blocks = groups < 2 * blockGroups ? 1 : (groups + blockGroups - 1) / blockGroups
                DispatchQueue.concurrentPerform(iterations: blocks) { block in
                    let part = (blocks == 1 ? 0..<groups : (block * blockGroups)..<min((block + 1) * blockGroups, groups))
                    let partRows = (part.lowerBound * group)..<min(part.upperBound * group, rows)
                    Int8MatrixProduct.quantizeRows(shared.input.base, rows: partRows, depth: inputs,
                                                   codes: shared.codes.base, scales: shared.rowScales.base)
                    Int8MatrixProduct.multiply(codes: shared.codes.base, rowScales: shared.rowScales.base, rowGroups: part,
                                               rows: rows, weights: weights.codes.base, weightScales: weights.scales.base,
                                               outputs: outputs, depth: inputs, into: shared.output.base, accumulate: accumulate)
                }
            }
        }
    }
}

/// Quantised activations handed to the workers that fill and read disjoint row groups of them.
private struct SharedCodes: @unchecked Sendable {
    let base: UnsafeMutablePointer<Int16>
}

/// Weight codes the workers only read.
private struct SharedWeightCodes: @unchecked Sendable {
    let base: UnsafePointer<Int8>
}
