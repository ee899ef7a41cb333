import CBLAS

/// The BLAS the numerical modules link (OpenBLAS, or BLIS when built with
/// `ROUTELEDGER_BLAS=blis`), for the code above them that must not call the C library itself:
/// which library and kernel run, on how many threads, and single-precision GEMM — the baseline
/// the benchmarks time beside the router and the encoder, and the product the start-up kernel
/// check compares with a plain loop.
public enum BLASLibrary {
    #if ROUTELEDGER_BLIS
    public static let name = "BLIS"

    /// The kernel configuration BLIS chose for this CPU when it loaded, e.g. `zen3`.
    public static var kernelName: String {
        bli_arch_string(bli_arch_query_id()).map { String(cString: $0) } ?? "unknown"
    }

    public static var threadCount: Int { Int(bli_thread_get_num_threads()) }

    /// BLIS runs single-threaded unless told otherwise (`BLIS_NUM_THREADS`, or this call).
    public static func setThreadCount(_ count: Int) { bli_thread_set_num_threads(dim_t(count)) }
    #else
    public static let name = "OpenBLAS"

    /// The kernel OpenBLAS chose (or was told to use) when it loaded, e.g. `Haswell`.
    public static var kernelName: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    public static var threadCount: Int { Int(openblas_get_num_threads()) }
    #endif

    /// `c = a · b`, or `a · bᵀ` with `transposingB`, all dense row-major: `a` is m × k, `b` is
    /// k × n (n × k when transposed) and `c` m × n.
    public static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
                                m: Int, n: Int, k: Int, transposingB: Bool) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposingB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(transposingB ? k : n), 0, c, Int32(n))
    }
}
