import Foundation

/// Whether the model folder and its files can be read, told apart by the error the system
/// gives: a file that is not there needs fetching; one the process may not read needs its
/// permissions changed, and fetching it again would not help.
enum ModelFileAccess {
    /// The problem with `directory`, or nil when every required file in it can be read.
    static func problem(in directory: URL, origin: String) -> ModelError? {
        var status = stat()
        guard stat(directory.path, &status) == 0 else { return problem(at: directory.path, error: errno, origin: origin) }
        guard status.st_mode & S_IFMT == S_IFDIR else { return .notADirectory(path: directory.path) }
        if access(directory.path, R_OK | X_OK) != 0 { return problem(at: directory.path, error: errno, origin: origin) }
        var missing: [String] = []
        for file in ModelLocation.requiredFiles {
            let path = directory.appendingPathComponent(file).path
            guard access(path, R_OK) != 0 else { continue }
            let code = errno
            guard code == ENOENT else { return problem(at: path, error: code, origin: origin) }
            missing.append(file)
        }
        guard missing.isEmpty else {
            let what = missing.count == ModelLocation.requiredFiles.count ? "" : " (no \(missing.joined(separator: ", ")))"
            return .missing(searched: ["\(directory.path) from \(origin)\(what)"])
        }
        return nil
    }

    /// What `error` (an `errno` of `stat` or `access` on `path`) means for the model.
    static func problem(at path: String, error: Int32, origin: String) -> ModelError {
        switch error {
        case ENOENT: .missing(searched: ["\(path) from \(origin)"])
        case EACCES, EPERM: .permissionDenied(path: path)
        default: .unreadable(file: path, reason: String(cString: strerror(error)))
        }
    }
}
