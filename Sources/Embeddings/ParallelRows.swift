import Dispatch
import Foundation

/// Splits `0..<count` into contiguous parts, one per core, and runs `body` on them at once;
/// runs inline when the work is too small to be worth waking a second thread.
func forEachPart(of count: Int, minimumPerPart: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let parts = min(ProcessInfo.processInfo.activeProcessorCount, count / max(minimumPerPart, 1))
    guard parts > 1 else {
        if count > 0 { body(0..<count) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: parts) { part in
        body((count * part / parts)..<(count * (part + 1) / parts))
    }
}

/// A pointer handed to parallel workers that write disjoint parts of what it points to.
struct SharedPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
}
