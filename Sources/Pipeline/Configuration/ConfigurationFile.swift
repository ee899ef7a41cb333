import Foundation

/// The configuration file, read into the plain values ``SettingsReader`` takes.
///
/// It is parsed by the events' own parser (``JSONValue``) rather than Foundation's, which keeps
/// one of the values of a key given twice without a word: an operator who adds a setting at the
/// end of the file, not seeing it already set above, would run with whichever value it picked.
enum ConfigurationFile {
    static func read(_ file: URL) throws(ConfigurationError) -> [String: Any] {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw ConfigurationError(problems: ["\(file.path): cannot read it (\(error.localizedDescription))"])
        }
        guard String(data: data, encoding: .utf8) != nil else {
            throw ConfigurationError(problems: ["\(file.path): the configuration is not UTF-8 text"])
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch {
            let (line, column) = lineAndColumn(of: error.offset, in: data)
            throw ConfigurationError(problems: ["\(file.path), line \(line), column \(column): \(error.message)"])
        }
        guard case .object(let settings) = document else {
            throw ConfigurationError(problems: ["\(file.path): the configuration must be a JSON object"])
        }
        return settings.mapValues(foundationValue)
    }

    /// 1-based, columns counted in bytes.
    static func lineAndColumn(of offset: Int, in data: Data) -> (line: Int, column: Int) {
        let before = data.prefix(offset)
        let line = before.count(where: { $0 == UInt8(ascii: "\n") }) + 1
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? data.startIndex
        return (line, offset - (lineStart - data.startIndex) + 1)
    }

    /// What Foundation's parser would have given: the types ``SettingsReader`` checks for.
    private static func foundationValue(_ value: JSONValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let flag): NSNumber(value: flag)
        case .number(let number): NSNumber(value: number)
        case .string(let text): text
        case .array(let items): items.map(foundationValue)
        case .object(let fields): fields.mapValues(foundationValue)
        }
    }
}
