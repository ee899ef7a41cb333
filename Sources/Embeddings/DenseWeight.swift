import CBLAS

/// The weight of one of the encoder's dense layers in the precision it runs at, and the
/// matrix product with it.
enum DenseWeight: Sendable {
    /// PyTorch's `[outputs, inputs]` layout, multiplied by OpenBLAS SGEMM.
    case float([Float], outputs: Int, inputs: Int)
    case int8(QuantizedWeight)

    /// This weight at `precision`.
    func converted(to precision: EncoderPrecision) -> DenseWeight {
        switch (self, precision) {
        case (.float(let values, let outputs, let inputs), .int8):
            .int8(QuantizedWeight(values, outputs: outputs, inputs: inputs))
        case (.float, .float), (.int8, .int8):
            self
        case (.int8, .float):
            preconditionFailure("an int8 weight cannot be turned back into floats")
        }
    }

    /// `output = input · weightᵀ` (+ `output` when accumulating) for `rows` rows of `input`.
    func multiply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, accumulate: Bool) {
        switch self {
        case .float(let values, let outputs, let inputs):
            values.withUnsafeBufferPointer { w in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs),
                            1, input, Int32(inputs), w.baseAddress, Int32(inputs), accumulate ? 1 : 0, output, Int32(outputs))
            }
        case .int8(let weight):
            weight.multiply(input, rows: rows, into: output, accumulate: accumulate)
        }
    }
}
