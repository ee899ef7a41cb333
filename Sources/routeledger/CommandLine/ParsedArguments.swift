/// The arguments of one command, checked against its declared options.
///
/// Accepted forms: `--name value`, `--name=value`, `--flag`, and `--` to end options. Every
/// typed accessor names the flag and the offending text when a value does not parse.
struct ParsedArguments {
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []
    private(set) var positionals: [String] = []

    init(_ arguments: [String], options: [Option]) throws {
        let byName = Dictionary(options.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard !optionsEnded, argument.hasPrefix("-"), argument != "-" else {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            guard argument.hasPrefix("--") else {
                throw UsageError("unknown option '\(argument)' (options are written --name)")
            }
            let body = argument.dropFirst(2)
            let name: String
            var inlineValue: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                inlineValue = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            guard let option = byName[name] else {
                throw UsageError("unknown option '--\(name)'")
            }
            if option.isFlag {
                if inlineValue != nil {
                    throw UsageError("option '--\(name)' takes no value")
                }
                flags.insert(name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else {
                    throw UsageError("option '--\(name)' needs a value \(option.valueName ?? "")")
                }
                value = arguments[index]
                index += 1
            }
            if !option.repeatable, values[name] != nil {
                throw UsageError("option '--\(name)' given more than once")
            }
            values[name, default: []].append(value)
        }
    }

    func flag(_ name: String) -> Bool {
        flags.contains(name)
    }

    func string(_ name: String) -> String? {
        values[name]?.last
    }

    func strings(_ name: String) -> [String] {
        values[name] ?? []
    }

    func requiredString(_ name: String) throws -> String {
        guard let value = string(name) else {
            throw UsageError("option '--\(name)' is required")
        }
        return value
    }

    func int(_ name: String, range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else {
            throw UsageError("option '--\(name)' expects an integer, got '\(text)'")
        }
        if let range, !range.contains(value) {
            throw UsageError("option '--\(name)' must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    func double(_ name: String, range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw UsageError("option '--\(name)' expects a number, got '\(text)'")
        }
        if let range, !range.contains(value) {
            throw UsageError("option '--\(name)' must be in \(range.lowerBound)...\(range.upperBound), got \(text)")
        }
        return value
    }

    /// The value of an option restricted to a fixed set of words.
    func choice(_ name: String, from allowed: [String]) throws -> String? {
        guard let text = string(name) else { return nil }
        guard allowed.contains(text) else {
            throw UsageError("option '--\(name)' must be one of \(allowed.joined(separator: ", ")), got '\(text)'")
        }
        return text
    }

    /// Refuses positional arguments beyond `maximum`.
    func positionals(atMost maximum: Int) throws -> [String] {
        if positionals.count > maximum {
            throw UsageError("unexpected argument '\(positionals[maximum])'")
        }
        return positionals
    }
}
