/// The element-wise steps of the encoder, eight lanes at a time: exponentials for softmax,
/// GELU, layer normalisation. Accurate to a few float32 ulps, far inside the 1e-4 the
/// embeddings are checked to, and several times faster than calling libm per element.
enum VectorMath {
    typealias Lanes = SIMD8<Float>

    // The standard library's `pointwiseMax`, `clamped` and `abs`-like helpers on SIMD floats
    // compile to per-lane calls here; a compare-and-replace or a sign-bit mask stays in vector
    // registers (measured several times faster).
    @inline(__always)
    static func maximum(_ a: Lanes, _ b: Lanes) -> Lanes {
        var result = a
        result.replace(with: b, where: a .< b)
        return result
    }

    @inline(__always)
    static func minimum(_ a: Lanes, _ b: Lanes) -> Lanes {
        var result = a
        result.replace(with: b, where: b .< a)
        return result
    }

    @inline(__always)
    static func magnitude(_ x: Lanes) -> Lanes {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Lanes.self)
    }

    /// eˣ: x = n·ln 2 + r with |r| ≤ ½ ln 2 (ln 2 split in two parts so r is exact), a
    /// degree-6 Taylor polynomial for eʳ (relative error < 2e-7), and 2ⁿ put straight into the
    /// exponent bits. Clamped to [−87, 88], where float32 neither overflows nor goes denormal.
    /// The polynomial is evaluated by Estrin's scheme in fused multiply-adds: three dependent
    /// steps instead of Horner's six multiplies and six adds, whose latency the loops waited on.
    @inline(__always)
    static func exp(_ x: Lanes) -> Lanes {
        let clamped = minimum(maximum(x, Lanes(repeating: -87)), Lanes(repeating: 88))
        // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low mantissa bits.
        let magic = Lanes(repeating: 12_582_912)
        let shifted = magic.addingProduct(clamped, Lanes(repeating: 1.442_695_04))
        let n = shifted - magic
        let r = clamped.addingProduct(n, Lanes(repeating: -0.693_359_375)).addingProduct(n, Lanes(repeating: 2.121_944_4e-4))
        let square = r * r
        let terms01 = Lanes(repeating: 1).addingProduct(r, Lanes(repeating: 1))
        let terms23 = Lanes(repeating: 0.5).addingProduct(r, Lanes(repeating: 1.0 / 6))
        let terms45 = Lanes(repeating: 1.0 / 24).addingProduct(r, Lanes(repeating: 1.0 / 120))
        let terms46 = terms45.addingProduct(square, Lanes(repeating: 1.0 / 720))
        let p = terms01.addingProduct(square, terms23).addingProduct(square * square, terms46)
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)) &<< 23
        return unsafeBitCast(unsafeBitCast(p, to: SIMD8<Int32>.self) &+ exponent, to: Lanes.self)
    }

    /// GELU with the exact (erf) form BERT uses: x · Φ(x) = ½x · (1 + erf(x/√2)).
    /// erfc(|z|) comes from Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7), and the
    /// negative side uses ½x · erfc(|z|) directly, so there is no cancellation in 1 + erf.
    @inline(__always)
    static func gelu(_ x: Lanes) -> Lanes {
        let a = magnitude(x * 0.707_106_78)
        let t = 1 / Lanes(repeating: 1).addingProduct(a, Lanes(repeating: 0.327_591_1))
        // The polynomial in t by Estrin's scheme, as in `exp`.
        let square = t * t
        let terms01 = Lanes(repeating: 0.254_829_592).addingProduct(t, Lanes(repeating: -0.284_496_736))
        let terms23 = Lanes(repeating: 1.421_413_741).addingProduct(t, Lanes(repeating: -1.453_152_027))
        let terms24 = terms23.addingProduct(square, Lanes(repeating: 1.061_405_429))
        let poly = terms01.addingProduct(square, terms24)
        let complement = poly * t * exp(-a * a)
        let half = 0.5 * x * complement
        var result = half
        result.replace(with: x - half, where: x .>= 0)
        return result
    }

    /// `values[r, j] = gelu(values[r, j] + bias[j])` for `rows` rows of `bias.count` columns
    /// (a multiple of 8).
    static func addBiasAndGELU(_ values: UnsafeMutablePointer<Float>, rows: Range<Int>, bias: UnsafePointer<Float>, columns: Int) {
        let raw = UnsafeMutableRawPointer(values)
        let rawBias = UnsafeRawPointer(bias)
        for row in rows {
            for column in stride(from: 0, to: columns, by: 8) {
                let offset = (row * columns + column) * 4
                let v = raw.loadUnaligned(fromByteOffset: offset, as: Lanes.self) + rawBias.loadUnaligned(fromByteOffset: column * 4, as: Lanes.self)
                raw.storeBytes(of: gelu(v), toByteOffset: offset, as: Lanes.self)
            }
        }
    }

    /// The residual step after attention and after the feed-forward block:
    /// `x[r] = LayerNorm(x[r] + update[r] + bias)` per row, over `columns` (a multiple of 8).
    static func addAndNormalize(_ x: UnsafeMutablePointer<Float>, update: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                                rows: Range<Int>, columns: Int, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                epsilon: Float) {
        let raw = UnsafeMutableRawPointer(x)
        for row in rows {
            let base = row * columns * 4
            var sum = Lanes()
            for column in stride(from: 0, to: columns, by: 8) {
                var v = raw.loadUnaligned(fromByteOffset: base + column * 4, as: Lanes.self)
                if let update { v += UnsafeRawPointer(update).loadUnaligned(fromByteOffset: base + column * 4, as: Lanes.self) }
                if let bias { v += UnsafeRawPointer(bias).loadUnaligned(fromByteOffset: column * 4, as: Lanes.self) }
                raw.storeBytes(of: v, toByteOffset: base + column * 4, as: Lanes.self)
                sum += v
            }
            let mean = sum.sum() / Float(columns)
            var squares = Lanes()
            for column in stride(from: 0, to: columns, by: 8) {
                let d = raw.loadUnaligned(fromByteOffset: base + column * 4, as: Lanes.self) - mean
                squares += d * d
            }
            let inverse = 1 / (squares.sum() / Float(columns) + epsilon).squareRoot()
            for column in stride(from: 0, to: columns, by: 8) {
                let v = raw.loadUnaligned(fromByteOffset: base + column * 4, as: Lanes.self)
                let g = UnsafeRawPointer(scale).loadUnaligned(fromByteOffset: column * 4, as: Lanes.self)
                let b = UnsafeRawPointer(shift).loadUnaligned(fromByteOffset: column * 4, as: Lanes.self)
                raw.storeBytes(of: (v - mean) * inverse * g + b, toByteOffset: base + column * 4, as: Lanes.self)
            }
        }
    }

    /// Replaces each of `rows` rows of `columns` scores (stored `stride` apart) by
    /// exp(score − row maximum), and returns each row's sum in `sums`: the softmax before its
    /// division, which the caller applies to the (much narrower) product with the values.
    static func exponentiateRows(_ scores: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int,
                                 sums: UnsafeMutablePointer<Float>) {
        let whole = columns - columns % 8
        for row in 0..<rows {
            let values = scores + row * stride
            let raw = UnsafeMutableRawPointer(values)
            var lanesMaximum = Lanes(repeating: -.greatestFiniteMagnitude)
            for column in Swift.stride(from: 0, to: whole, by: 8) {
                lanesMaximum = maximum(lanesMaximum, raw.loadUnaligned(fromByteOffset: column * 4, as: Lanes.self))
            }
            var largest = lanesMaximum.max()
            for column in whole..<columns { largest = Swift.max(largest, values[column]) }
            var lanesSum = Lanes()
            for column in Swift.stride(from: 0, to: whole, by: 8) {
                let e = exp(raw.loadUnaligned(fromByteOffset: column * 4, as: Lanes.self) - largest)
                raw.storeBytes(of: e, toByteOffset: column * 4, as: Lanes.self)
                lanesSum += e
            }
            var total = lanesSum.sum()
            if whole < columns {
                var tail = Lanes(repeating: -.infinity)
                for column in whole..<columns { tail[column - whole] = values[column] }
                let e = exp(tail - largest)
                for column in whole..<columns {
                    values[column] = e[column - whole]
                    total += e[column - whole]
                }
            }
            sums[row] = total
        }
    }
}
