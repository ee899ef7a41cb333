import Foundation

/// Walks the command tree with the process arguments, prints help, and maps errors to exit
/// statuses: 0 success, 1 failure while running, 2 usage error.
struct CommandRunner {
    let root: CommandGroup
    let version: String

    func run(_ arguments: [String]) -> Int32 {
        var path = [root.name]
        var group = root
        var remaining = arguments[...]
        while true {
            guard let word = remaining.first else {
                printStandardError(groupHelp(group, path: path))
                return 2
            }
            remaining = remaining.dropFirst()
            if word == "--help" || word == "-h" || word == "help" {
                print(groupHelp(group, path: path), terminator: "")
                return 0
            }
            if word == "--version", path.count == 1 {
                print("\(root.name) \(version)")
                return 0
            }
            guard let child = group.children.first(where: { $0.name == word }) else {
                let kind = word.hasPrefix("-") ? "option" : "command"
                return usageFailure("unknown \(kind) '\(word)'", path: path)
            }
            path.append(word)
            switch child {
            case .group(let next):
                group = next
            case .command(let command):
                return run(command, arguments: Array(remaining), path: path)
            }
        }
    }

    private func run(_ command: any Command.Type, arguments: [String], path: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(commandHelp(command, path: path), terminator: "")
            return 0
        }
        do {
            let parsed = try ParsedArguments(arguments, options: command.options)
            return try command.run(parsed)
        } catch let error as UsageError {
            return usageFailure(error.description, path: path)
        } catch {
            printStandardError("\(path.joined(separator: " ")): error: \(error)\n")
            return 1
        }
    }

    private func usageFailure(_ message: String, path: [String]) -> Int32 {
        let command = path.joined(separator: " ")
        printStandardError("\(command): \(message)\nSee '\(command) --help'.\n")
        return 2
    }

    private func groupHelp(_ group: CommandGroup, path: [String]) -> String {
        let width = group.children.map(\.name.count).max() ?? 0
        var text = "\(path.joined(separator: " ")) — \(group.summary)\n\n"
        text += "Usage: \(path.joined(separator: " ")) <command> [options]\n\nCommands:\n"
        for child in group.children {
            text += "  \(child.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(child.summary)\n"
        }
        text += "\nRun '\(path.joined(separator: " ")) <command> --help' for a command's options.\n"
        return text
    }

    private func commandHelp(_ command: any Command.Type, path: [String]) -> String {
        var usage = path.joined(separator: " ")
        if !command.options.isEmpty { usage += " [options]" }
        if !command.positionalUsage.isEmpty { usage += " \(command.positionalUsage)" }
        var text = "\(usage)\n\n\(command.summary)\n"
        if !command.discussion.isEmpty {
            text += "\n\(command.discussion)\n"
        }
        let rendered = command.options.map { option in
            ("--\(option.name)" + (option.valueName.map { " \($0)" } ?? ""), option.help)
        } + [("--help", "Show this help.")]
        let width = rendered.map(\.0.count).max() ?? 0
        text += "\nOptions:\n"
        for (flag, help) in rendered {
            text += "  \(flag.padding(toLength: width, withPad: " ", startingAt: 0))  \(help)\n"
        }
        return text
    }
}

func printStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
