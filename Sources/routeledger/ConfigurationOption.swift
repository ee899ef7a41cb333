import Foundation
import Pipeline

/// Reads the run configuration (`--config FILE`, then the environment) for a command; an invalid
/// one fails the command with every problem listed.
enum ConfigurationOption {
    static func load(_ path: String?) throws -> RouteLedgerConfiguration {
        do {
            return try RouteLedgerConfiguration.load(file: path.map(URL.init(fileURLWithPath:)),
                                                     environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
