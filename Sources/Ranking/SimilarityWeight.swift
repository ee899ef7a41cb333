import Foundation

/// The SW router's battle weight (RouteLLM): a battle whose prompt is as similar to the query as
/// the most similar battle counts 100, an orthogonal one 10, so the nearest prompts dominate the
/// fit but every battle still speaks.
///
///     w = 10 · 10^(s / max s)
///
/// When no battle is positively similar (max s ≤ 0) the ratio means nothing (its sign flips), so
/// every battle weighs the same and the query gets the unweighted fit.
@inlinable
public func similarityWeight(_ similarity: Float, maximum: Float) -> Float {
    10 * Float(pow(10, Double(similarity / maximum)))
}

/// `similarityWeight` on 16 lanes at once: 10^x as 2^(x · log2 10), the power of two split into
/// its integer part (placed in the exponent bits) and a fraction in [−½, ½] (a degree-7 Taylor
/// polynomial, relative error below 1e-7). The argument must stay within ±126 octaves (the caller
/// checks the largest similarity), where the exponent bits cannot overflow.
@inline(__always)
func similarityWeights(_ similarities: SIMD16<Float>, octavesPerUnit: Float) -> SIMD16<Float> {
    let octaves = similarities * octavesPerUnit
    // Adding 1.5 · 2^23 rounds to an integer and leaves it in the low mantissa bits.
    let roundingShift = SIMD16<Float>(repeating: 12_582_912)
    let shifted = octaves + roundingShift
    let whole = shifted - roundingShift
    let fraction = (octaves - whole) * 0.693_147_18
    var power = SIMD16<Float>(repeating: 1.0 / 5040)
    power = power * fraction + 1.0 / 720
    power = power * fraction + 1.0 / 120
    power = power * fraction + 1.0 / 24
    power = power * fraction + 1.0 / 6
    power = power * fraction + 0.5
    power = power * fraction + 1
    power = power * fraction + 1
    let exponent = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(roundingShift, to: SIMD16<Int32>.self)
    let scaled = unsafeBitCast(power, to: SIMD16<Int32>.self) &+ (exponent &<< 23)
    return 10 * unsafeBitCast(scaled, to: SIMD16<Float>.self)
}
