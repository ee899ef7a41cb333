import Foundation

/// The SW router's battle weight: RouteLLM's kernel with a sharpness γ,
///
///     w = 10 · 10^(γ · s / max s)
///
/// γ = 1 is RouteLLM exactly: a battle as similar to the query as the most similar one counts
/// 100, an orthogonal one 10, so the nearest prompts dominate the fit but every battle still
/// speaks. A larger γ lets the nearest prompts speak louder (10^γ times an orthogonal one); γ = 0
/// weighs every battle the same.
///
/// The weights are computed divided by 10 · 10^γ, the weight of the most similar battle:
///
///     w / (10 · 10^γ) = 10^(γ · (s / max s − 1))
///
/// The Bradley–Terry fit does not change when every weight is scaled by one constant (its ridge
/// scales with the total weight too), and this way the largest weight is 1 for any γ: nothing
/// overflows, and the nearest battles are never rounded away beside huge ones.
///
/// When no battle is positively similar (max s ≤ 0) the ratio means nothing (its sign flips), so
/// every battle weighs the same and the query gets the unweighted fit.
///
/// Computed on 16 lanes at once, with `octavesPerUnit` = γ · log2(10) / max s as a
/// float and its remainder (`octavesPerUnitRemainder`, the part a float cannot hold):
/// 10^(γ · (s / max s − 1)) as 2^((s − max s) · octavesPerUnit). At a sharp kernel the argument
/// spans tens of octaves, where one float rounding of it would cost 1e-6 of a weight; so the
/// product is carried in two floats (its rounding error recovered by a fused multiply-add) and
/// split into its integer part (placed in the exponent bits) and a fraction in [−½, ½] (a
/// degree-7 Taylor polynomial, relative error below 1e-7). The exponent is at most 0 (s ≤ max s)
/// and is held at −126 from below, where the exponent bits stay valid: a weight 2^-126 below the
/// nearest battle's is nothing to the fit.
@inline(__always)
func similarityWeights(_ similarities: SIMD16<Float>, maximum: Float, octavesPerUnit: Float,
                       octavesPerUnitRemainder: Float) -> SIMD16<Float> {
    // s − max s is exact where it matters (s within a factor 2 of max s, Sterbenz).
    let distance = similarities - maximum
    var octaves = distance * octavesPerUnit
    let octavesError = (-octaves).addingProduct(distance, octavesPerUnit) + distance * octavesPerUnitRemainder
    octaves.replace(with: -126, where: .!(octaves .> -126))
    // Adding 1.5 · 2^23 rounds to an integer and leaves it in the low mantissa bits.
    let roundingShift = SIMD16<Float>(repeating: 12_582_912)
    let shifted = octaves + roundingShift
    let whole = shifted - roundingShift
    let fraction = ((octaves - whole) + octavesError) * 0.693_147_18
    // e^fraction by Estrin's scheme in fused multiply-adds: pairs of terms, then pairs of
    // pairs, so the chain of dependent operations is three deep instead of Horner's seven,
    // which left the loop waiting on latency rather than on arithmetic.
    let square = fraction * fraction
    let fourth = square * square
    let terms01 = SIMD16<Float>(repeating: 1).addingProduct(fraction, SIMD16(repeating: 1))
    let terms23 = SIMD16<Float>(repeating: 0.5).addingProduct(fraction, SIMD16(repeating: 1.0 / 6))
    let terms45 = SIMD16<Float>(repeating: 1.0 / 24).addingProduct(fraction, SIMD16(repeating: 1.0 / 120))
    let terms67 = SIMD16<Float>(repeating: 1.0 / 720).addingProduct(fraction, SIMD16(repeating: 1.0 / 5040))
    let power = terms01.addingProduct(square, terms23).addingProduct(fourth, terms45.addingProduct(square, terms67))
    let exponent = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(roundingShift, to: SIMD16<Int32>.self)
    let scaled = unsafeBitCast(power, to: SIMD16<Int32>.self) &+ (exponent &<< 23)
    return unsafeBitCast(scaled, to: SIMD16<Float>.self)
}
