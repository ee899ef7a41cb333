import Testing
@testable import routeledger

/// The peak the benchmarks compare SGEMM with: cores × clock × lanes × 2 (multiply and add) ×
/// 2 FMA units, with the lanes a core executes at full rate.
@Suite struct FMAPeakTests {
    @Test func aCoreRunsItsWidestVectorsAtFullRateUnlessItSplitsThem() {
        // AVX2 (Haswell and later, Zen 1–3): 256-bit FMAs, 8 floats.
        #expect(FMAPeak.lanes(flags: ["avx2", "fma"], vendorIsAMD: false) == 8)
        #expect(FMAPeak.lanes(flags: ["avx2", "fma"], vendorIsAMD: true) == 8)
        // Intel AVX-512 (Skylake-SP and later): 512-bit FMAs, 16 floats.
        #expect(FMAPeak.lanes(flags: ["avx2", "fma", "avx512f"], vendorIsAMD: false) == 16)
        // Zen 4 decodes AVX-512 but executes it as two 256-bit halves; Zen 5 runs it whole.
        #expect(FMAPeak.lanes(flags: ["avx2", "fma", "avx512f"], vendorIsAMD: true) == 8)
        #expect(FMAPeak.lanes(flags: ["avx2", "fma", "avx512f", "avx512_vp2intersect"], vendorIsAMD: true) == 16)
    }

    @Test func thePeakOfTheMachineInTheIssue() {
        // 2 cores at 2.45 GHz with AVX2: 2 × 2.45 × 8 × 2 × 2 = 156.8 GFLOP/s.
        let peak = FMAPeak(cores: 2, gigahertz: 2.45, lanes: 8)
        #expect(abs(peak.gflops - 156.8) < 1e-9)
    }
}
