import Embeddings
import Foundation
import Ranking

/// Settles the BLAS before it is used: with OpenBLAS (the default build) its kernel for this CPU,
/// with BLIS its thread count.
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent CPUs and falls back to its SSE3 kernels,
/// about four times slower for SGEMM than the AVX-512 ones. OpenBLAS reads `OPENBLAS_CORETYPE`
/// only when it loads, so the process re-executes itself once with the variable set. A value
/// already in the environment is never overridden: some machines set it because other kernels
/// miscompute there. A kernel chosen here is checked on one small product against a plain loop,
/// and a disagreeing kernel is replaced by the next safer one.
///
/// The same re-execution sets `OPENBLAS_THREAD_TIMEOUT` (unless set): after a product OpenBLAS's
/// worker threads wait for the next one spinning on `sched_yield`, by default for 2^28 cycles
/// (about 70 ms), longer than the router's weighting of a batch, which then shares its cores
/// with them. 2^`threadSpinOctaves` cycles (about 0.3 ms) still bridge the gap between the
/// encoder's back-to-back products.
enum BLASKernel {
    private static let coreTypeVariable = "OPENBLAS_CORETYPE"
    private static let threadTimeoutVariable = "OPENBLAS_THREAD_TIMEOUT"
    private static let threadSpinOctaves = 20
    /// Set beside `OPENBLAS_CORETYPE` when this code chose it, so the check knows it may fall back.
    private static let chosenVariable = "ROUTELEDGER_OPENBLAS_CORETYPE_CHOSEN"
    /// Kernels to try, fastest first; each entry's fallback is the next one.
    private static let fallbackOrder = ["SkylakeX", "Haswell", "Prescott"]

    /// Call first thing in `main`. Returns normally once the kernel is settled; may re-execute
    /// the process (which then starts over with the variable set).
    static func settle() {
        #if ROUTELEDGER_BLIS
        // BLIS chooses its kernels itself, but runs one thread unless told: every core, as
        // OpenBLAS does, unless BLIS's own variables say otherwise.
        let environment = ProcessInfo.processInfo.environment
        if environment["BLIS_NUM_THREADS"] == nil && environment["OMP_NUM_THREADS"] == nil {
            BLASLibrary.setThreadCount(ProcessInfo.processInfo.activeProcessorCount)
        }
        #else
        let environment = ProcessInfo.processInfo.environment
        if let current = environment[coreTypeVariable] {
            guard environment[chosenVariable] == current, !productMatchesPlainLoop() else { return }
            if let index = fallbackOrder.firstIndex(of: current), index + 1 < fallbackOrder.count {
                reexecute(with: fallbackOrder[index + 1])
            }
            return
        }
        guard let coreType = coreTypeForThisCPU() else { return }
        reexecute(with: coreType)
        #endif
    }

    /// The library and kernel running, and why, for the log.
    static var description: String {
        #if ROUTELEDGER_BLIS
        return "BLIS kernel \(BLASLibrary.kernelName) (BLIS's own detection), \(BLASLibrary.threadCount) threads"
        #else
        let environment = ProcessInfo.processInfo.environment
        let origin: String
        switch environment[coreTypeVariable] {
        case nil: origin = "OpenBLAS's own detection"
        case let value? where environment[chosenVariable] == value: origin = "chosen from the CPU flags"
        case _?: origin = "set by \(coreTypeVariable) in the environment"
        }
        let spin = environment[threadTimeoutVariable].map { ", idle threads spin 2^\(spinOctaves(readingSetting: $0)) cycles" } ?? ""
        return "OpenBLAS kernel \(BLASLibrary.kernelName) (\(origin)), \(BLASLibrary.threadCount) threads\(spin)"
        #endif
    }

    /// What OpenBLAS makes of `OPENBLAS_THREAD_TIMEOUT`: a positive whole number held to 4...30,
    /// anything else its default, 28.
    private static func spinOctaves(readingSetting value: String) -> Int {
        guard let octaves = Int(value.trimmingCharacters(in: .whitespaces)), octaves > 0 else { return 28 }
        return min(max(octaves, 4), 30)
    }

    private static func coreTypeForThisCPU() -> String? {
        let flags = CPUFlags.current
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    private static func reexecute(with coreType: String) {
        setenv(coreTypeVariable, coreType, 1)
        setenv(chosenVariable, coreType, 1)
        setenv(threadTimeoutVariable, String(threadSpinOctaves), 0)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached if exec failed: carry on with the kernel already loaded.
        unsetenv(coreTypeVariable)
        unsetenv(chosenVariable)
    }

    /// One SGEMM of awkward shape against a float64 loop.
    private static func productMatchesPlainLoop() -> Bool {
        let (m, n, k) = (37, 53, 71)
        let a = (0..<(m * k)).map { Float(($0 * 7919) % 23) / 23 - 0.5 }
        let b = (0..<(k * n)).map { Float(($0 * 104_729) % 29) / 29 - 0.5 }
        var c = [Float](repeating: 0, count: m * n)
        BLASLibrary.multiply(a, b, into: &c, m: m, n: n, k: k, transposingB: false)
        for i in 0..<m {
            for j in 0..<n {
                var exact = 0.0
                for p in 0..<k { exact += Double(a[i * k + p]) * Double(b[p * n + j]) }
                if abs(Double(c[i * n + j]) - exact) > 1e-4 { return false }
            }
        }
        return true
    }
}
