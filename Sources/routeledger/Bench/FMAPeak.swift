import Dispatch
import Embeddings
import Foundation

/// This CPU's single-precision peak: every core retiring two fused multiply-adds of its widest
/// vectors each cycle, at the clock the cores run while all of them are busy — the bound the
/// benchmarks set their GEMM rates against.
///
/// The clock is measured, not read: /proc/cpuinfo gives the nominal or a momentary frequency,
/// while a loaded core may boost well above it (on the 2.6 GHz EPYC these figures were taken on,
/// 3.4 GHz), which would put SGEMM above "peak". The vector width comes from the flags; two FMA
/// units per core is an assumption (true of every AVX2 core since Haswell, and of most AVX-512
/// ones).
struct FMAPeak {
    let cores: Int
    let gigahertz: Double
    /// Floats per FMA the core executes at full rate: 16 where 512-bit FMAs run in one piece,
    /// 8 for AVX2 or where they run as two 256-bit halves (AMD before Zen 5).
    let lanes: Int
    static let fmaUnits = 2

    var gflops: Double { Double(cores) * gigahertz * Double(lanes * 2 * Self.fmaUnits) }

    static func measure() -> FMAPeak {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let clocks = UnsafeMutableBufferPointer<Double>.allocate(capacity: cores)
        defer { clocks.deallocate() }
        let output = ClockReadings(base: clocks)
        DispatchQueue.concurrentPerform(iterations: cores) { core in output.base[core] = measureClock() }
        let vendorIsAMD = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains("AuthenticAMD") ?? false
        return FMAPeak(cores: cores, gigahertz: clocks.reduce(0, +) / Double(cores),
                       lanes: lanes(flags: CPUFlags.current, vendorIsAMD: vendorIsAMD))
    }

    static func lanes(flags: Set<String>, vendorIsAMD: Bool) -> Int {
        guard flags.contains("avx512f") else { return 8 }
        // Zen 4 runs AVX-512 on 256-bit units; Zen 5 (full width) added VP2INTERSECT.
        return vendorIsAMD && !flags.contains("avx512_vp2intersect") ? 8 : 16
    }

    /// GHz of the calling core: a chain of dependent one-cycle integer operations (an add and an
    /// exclusive or per step, one cycle each on every x86-64 core), timed in several short runs
    /// and the fastest kept — other work and a hypervisor can only make a run slower.
    private static func measureClock() -> Double {
        let steps: UInt64 = 20_000_000
        var value = UInt64(UInt(bitPattern: ObjectIdentifier(FMAPeak.self).hashValue))
        var fastest = Double.infinity
        for _ in 0..<10 {
            let started = ContinuousClock.now
            for step in 0..<steps { value = (value &+ 0x9E37_79B9) ^ step }
            fastest = min(fastest, (ContinuousClock.now - started).seconds)
        }
        // Reading the chain's result keeps the optimiser from dropping the loop.
        return 2 * Double(steps) / fastest / 1e9 + (value == 0 ? 1e-12 : 0)
    }

    /// Figures for a benchmark's output: the peak, how it was computed, and the share of it a
    /// GEMM rate reaches.
    func figures(sgemmGFLOPs: Double) -> [(String, Any)] {
        [
            ("fma_peak_gflops", gflops),
            ("fma_peak_basis", "\(cores) cores × \(String(format: "%.2f", gigahertz)) GHz (measured) × \(lanes) lanes × 2 × \(Self.fmaUnits) FMA units"),
            ("sgemm_gflops", sgemmGFLOPs),
            ("sgemm_share_of_fma_peak", sgemmGFLOPs / gflops),
        ]
    }
}

private struct ClockReadings: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<Double>
}
