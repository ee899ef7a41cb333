/// One leaf of the command tree, such as `routeledger bench sw`.
///
/// A command declares its options, so the parser can refuse unknown or malformed flags and
/// `--help` can describe every one of them, and receives them parsed in `run`.
protocol Command {
    /// The word that selects the command.
    static var name: String { get }
    /// One line for the parent's command list.
    static var summary: String { get }
    /// Paragraphs printed under the usage line by `--help`.
    static var discussion: String { get }
    /// How positional arguments are written in the usage line, e.g. `[FILE]`; empty if none.
    static var positionalUsage: String { get }
    static var options: [Option] { get }

    /// Runs the command; the returned value is the process exit status.
    static func run(_ arguments: ParsedArguments) throws -> Int32
}

extension Command {
    static var discussion: String { "" }
    static var positionalUsage: String { "" }
}

/// A `--name VALUE` option, or a `--name` flag when `valueName` is nil.
struct Option: Sendable {
    let name: String
    let valueName: String?
    let help: String
    let repeatable: Bool

    static func value(_ name: String, _ valueName: String, _ help: String,
                      repeatable: Bool = false) -> Option {
        Option(name: name, valueName: valueName, help: help, repeatable: repeatable)
    }

    static func flag(_ name: String, _ help: String) -> Option {
        Option(name: name, valueName: nil, help: help, repeatable: false)
    }

    var isFlag: Bool { valueName == nil }
}

/// A command group such as `routeledger bench`: a word that selects one of its children.
struct CommandGroup {
    let name: String
    let summary: String
    let children: [CommandNode]
}

enum CommandNode {
    case command(any Command.Type)
    case group(CommandGroup)

    var name: String {
        switch self {
        case .command(let command): command.name
        case .group(let group): group.name
        }
    }

    var summary: String {
        switch self {
        case .command(let command): command.summary
        case .group(let group): group.summary
        }
    }
}
