import Embeddings
import Foundation

/// The router's kernels are compiled for AVX2 with FMA (Package.swift); on a CPU without them
/// they would stop the process at the first query with an illegal instruction. Refused at start
/// instead, with the reason.
enum CPURequirement {
    static let flags: Set<String> = ["avx2", "fma"]

    /// Call first thing in `main`. Where the flags cannot be read (no /proc/cpuinfo) the CPU is
    /// given the benefit of the doubt.
    static func check() {
        let present = CPUFlags.current
        let missing = flags.subtracting(present).sorted()
        guard present.isEmpty || missing.isEmpty else {
            FileHandle.standardError.write(Data("routeledger needs an x86-64 CPU with AVX2 and FMA (Haswell, 2013, or later); this one lacks \(missing.joined(separator: ", "))\n".utf8))
            exit(1)
        }
    }
}
