import Embeddings
import Foundation
import Ranking

/// Settles the BLAS before it is used: with OpenBLAS (the default build) its kernel for this CPU
/// and how long its idle threads spin, with BLIS its thread count.
///
/// Debian's OpenBLAS 0.3.21 does not recognise recent CPUs and falls back to its SSE3 kernels,
/// about four times slower for SGEMM than the AVX-512 ones. OpenBLAS reads `OPENBLAS_CORETYPE`
/// only when it loads, so the process re-executes itself once with the variable set. A value
/// already in the environment is never overridden: some machines set it because other kernels
/// miscompute there. A kernel chosen here is checked on one small product against a plain loop,
/// and a disagreeing kernel is replaced by the next safer one.
///
/// OpenBLAS's threads spin (yielding) for about 2^28 cycles after each product before they
/// sleep. The router and the encoder run their own work on every core between products, so the
/// spinning threads take turns with it: `OPENBLAS_THREAD_TIMEOUT` is set to its least, 4 (the
/// threads sleep at once; waking them costs microseconds per product). Measured on the
/// arena-bench memory, the fit ran in 0.0033 against 0.0045 s per 1,000 queries (README, "Which
/// BLAS"). Also set by the re-execution, also never overridden.
enum BLASKernel {
    private static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set beside `OPENBLAS_CORETYPE` when this code chose it, so the check knows it may fall back.
    private static let chosenVariable = "ROUTELEDGER_OPENBLAS_CORETYPE_CHOSEN"
    /// Kernels to try, fastest first; each entry's fallback is the next one.
    private static let fallbackOrder = ["SkylakeX", "Haswell", "Prescott"]
    private static let threadTimeoutVariable = "OPENBLAS_THREAD_TIMEOUT"
    private static let threadTimeout = "4"

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
        var settings: [String: String] = environment[threadTimeoutVariable] == nil ? [threadTimeoutVariable: threadTimeout] : [:]
        if let current = environment[coreTypeVariable] {
            if environment[chosenVariable] == current, !productMatchesPlainLoop(),
               let index = fallbackOrder.firstIndex(of: current), index + 1 < fallbackOrder.count {
                settings[coreTypeVariable] = fallbackOrder[index + 1]
                settings[chosenVariable] = fallbackOrder[index + 1]
            }
        } else if let coreType = coreTypeForThisCPU() {
            settings[coreTypeVariable] = coreType
            settings[chosenVariable] = coreType
        }
        if !settings.isEmpty { reexecute(with: settings) }
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
        let timeout = environment[threadTimeoutVariable].map { "\(threadTimeoutVariable)=\($0)" } ?? "OpenBLAS's default thread timeout"
        return "OpenBLAS kernel \(BLASLibrary.kernelName) (\(origin)), \(BLASLibrary.threadCount) threads, \(timeout)"
        #endif
    }

    private static func coreTypeForThisCPU() -> String? {
        let flags = CPUFlags.current
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    private static func reexecute(with settings: [String: String]) {
        for (name, value) in settings { setenv(name, value, 1) }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached if exec failed: carry on with the library as it loaded.
        for name in settings.keys { unsetenv(name) }
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
