import Foundation

/// Where the all-MiniLM-L6-v2 files (`model.safetensors`, `vocab.txt`, `config.json`) are.
///
/// Searched in order, stopping at the first that is set: a directory named on the command line,
/// then `$ROUTELEDGER_MODEL_DIR`, then `models/all-MiniLM-L6-v2` in the repository the running
/// binary was built in (the nearest folder above the executable that holds `Package.swift`,
/// which is where `ops/fetch-model.sh` puts it). A directory given explicitly is the only one
/// looked at, so a typo is reported rather than silently replaced by another model.
public enum ModelLocation {
    public static let environmentVariable = "ROUTELEDGER_MODEL_DIR"
    public static let requiredFiles = ["model.safetensors", "vocab.txt", "config.json"]

    public static func locate(explicit: String? = nil,
                              environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: URL? = runningExecutable()) throws(ModelError) -> URL {
        if let explicit {
            return try checked(URL(fileURLWithPath: explicit), origin: "--model-dir")
        }
        if let configured = environment[environmentVariable], !configured.isEmpty {
            return try checked(URL(fileURLWithPath: configured), origin: "$\(environmentVariable)")
        }
        var folder = executable?.deletingLastPathComponent()
        while let current = folder, current.path != "/" {
            if FileManager.default.fileExists(atPath: current.appendingPathComponent("Package.swift").path) {
                let candidate = current.appendingPathComponent("models/all-MiniLM-L6-v2")
                return try checked(candidate, origin: "the repository's models folder")
            }
            folder = current.deletingLastPathComponent()
        }
        throw .missing(searched: ["--model-dir (not given)", "$\(environmentVariable) (not set)",
                                  "no repository (Package.swift) above \(executable?.path ?? "the executable")"])
    }

    /// The executable of this process, with symbolic links resolved.
    public static func runningExecutable() -> URL? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        return Bundle.main.executableURL?.resolvingSymlinksInPath()
    }

    private static func checked(_ directory: URL, origin: String) throws(ModelError) -> URL {
        if let problem = ModelFileAccess.problem(in: directory, origin: origin) { throw problem }
        return directory
    }
}
