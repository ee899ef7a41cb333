import Foundation

// Writes the SQL migration files given on the command line into one Swift file as string
// literals: `MigrationEmbedder OUTPUT.swift NNNN_name.sql...`. A file whose name is not
// `NNNN_name.sql` (four digits, lower-case words), or two files with one version, fail the build.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else { fail("usage: MigrationEmbedder OUTPUT.swift [FILE.sql...]") }

/// A raw string delimiter with more `#` than any run of them in the text, so nothing in the
/// SQL can end the literal or be read as an escape.
func rawDelimiter(for text: String) -> String {
    var longest = 0
    var run = 0
    for character in text {
        run = character == "#" ? run + 1 : 0
        longest = max(longest, run)
    }
    return String(repeating: "#", count: longest + 1)
}

var entries: [(version: Int, name: String, sql: String)] = []
for path in arguments.dropFirst() {
    let file = URL(fileURLWithPath: path).lastPathComponent
    let stem = file.dropLast(".sql".count)
    let parts = stem.split(separator: "_", maxSplits: 1)
    guard file.hasSuffix(".sql"), parts.count == 2, parts[0].count == 4,
          let version = Int(parts[0]), version > 0,
          parts[1].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
    else { fail("\(path): a migration is named NNNN_words.sql (e.g. 0001_prices.sql)") }
    if let clash = entries.first(where: { $0.version == version }) {
        fail("\(path): version \(version) is also \(clash.name)")
    }
    guard let sql = try? String(contentsOfFile: path, encoding: .utf8) else {
        fail("\(path): cannot be read as UTF-8")
    }
    entries.append((version, String(parts[1]), sql))
}
entries.sort { $0.version < $1.version }

var swift = """
    // Generated from schemas/sql by the EmbedMigrations build plugin: edit the .sql files.

    extension RouteLedgerSchema {
        static let embeddedMigrations: [Migration] = [

    """
for entry in entries {
    let hashes = rawDelimiter(for: entry.sql)
    let body = entry.sql.hasSuffix("\n") ? entry.sql : entry.sql + "\n"
    swift += "Migration(version: \(entry.version), name: \"\(entry.name)\", sql: \(hashes)\"\"\"\n"
    swift += body
    swift += "\"\"\"\(hashes)),\n"
}
swift += "]\n}\n"

do {
    try swift.write(toFile: output, atomically: true, encoding: .utf8)
} catch {
    fail("cannot write \(output): \(error)")
}
