import Foundation

/// Names the calling thread as `top -H`, `ps -L` and /proc show it (Linux keeps 15 bytes).
/// Written to /proc itself: Foundation's `Thread.name` can miss a thread that has only just
/// started, and Glibc's `pthread_setname_np` is not visible to Swift.
func nameCurrentThread(_ name: String) {
    try? String(decoding: name.utf8.prefix(15), as: UTF8.self).write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
}
