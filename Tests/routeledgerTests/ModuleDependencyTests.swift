import Foundation
import Testing

/// The modules' dependencies point one way (docs/ARCHITECTURE.md): every `import` in Sources/
/// is checked against the table below, and the table against Package.swift.
@Suite struct ModuleDependencyTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// What each module (a folder under Sources/) may import besides the toolchain's modules:
    /// its dependencies in Package.swift, no more and no fewer. A new module is a row here, a
    /// target in Package.swift and a row in docs/ARCHITECTURE.md.
    static let allowedImports: [String: Set<String>] = [
        "CBLAS": [],
        "CRdKafka": [],
        "CLibPQ": [],
        "Streams": [],
        "Ranking": ["CBLAS"],
        "Int8Kernels": [],
        "Embeddings": ["Ranking", "CBLAS", "Int8Kernels"],
        "Kafka": ["CRdKafka", "Streams"],
        "Postgres": ["CLibPQ"],
        "Ledger": ["Postgres", "Streams"],
        "BattleStore": ["Ranking", "Embeddings"],
        "Pipeline": ["Ranking", "Embeddings", "BattleStore", "Ledger", "Kafka", "Postgres", "Streams"],
        "routeledger": ["Ranking", "Embeddings", "BattleStore", "Kafka", "Ledger", "Pipeline", "Postgres", "Streams"],
        "EventFuzzer": ["Pipeline"],
        "MigrationEmbedder": [],
    ]

    /// The toolchain's own modules, which any module may import.
    static let toolchainModules: Set<String> = ["Foundation", "Dispatch", "Glibc", "Synchronization", "_Builtin_intrinsics"]

    /// The folders under Sources/.
    private static func moduleFolders() throws -> Set<String> {
        let sources = root.appendingPathComponent("Sources")
        let names = try FileManager.default.contentsOfDirectory(atPath: sources.path)
        return Set(names.filter { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: sources.appendingPathComponent(name).path, isDirectory: &isFolder)
                && isFolder.boolValue
        })
    }

    /// Every Swift file of a module, relative to the package root.
    private static func swiftFiles(of module: String) -> [String] {
        let folder = root.appendingPathComponent("Sources/\(module)")
        let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".swift") }.sorted().map { "Sources/\(module)/\($0)" }
    }

    /// The module each `import` line of `text` names, with its line number.
    static func imports(in text: String) -> [(line: Int, module: String)] {
        let declaration = /^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?(\w+)/
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            line.firstMatch(of: declaration).map { (index + 1, String($0.output.1)) }
        }
    }

    /// The targets Package.swift declares (and the one it adds for fuzzing), with their
    /// dependencies by name.
    private static func declaredDependencies() throws -> [String: Set<String>] {
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let target = /\.(?:target|executableTarget|systemLibrary)\(\s*name:\s*"(\w+)"(?:,\s*dependencies:\s*\[([^\]]*)\])?/
        var declared: [String: Set<String>] = [:]
        for match in manifest.matches(of: target) {
            let names = (match.output.2.map(String.init) ?? "").matches(of: /"(\w+)"/).map { String($0.output.1) }
            declared[String(match.output.1), default: []].formUnion(names)
        }
        return declared
    }

    @Test func everyModuleHasARowAndEveryRowAModule() throws {
        let folders = try Self.moduleFolders()
        for folder in folders.subtracting(Self.allowedImports.keys).sorted() {
            Issue.record("Sources/\(folder) has no row in ModuleDependencyTests.allowedImports: say what it may import")
        }
        for module in Set(Self.allowedImports.keys).subtracting(folders).sorted() {
            Issue.record("ModuleDependencyTests.allowedImports has a row for \(module), but there is no Sources/\(module)")
        }
    }

    @Test func noModuleImportsOneItMustNot() throws {
        for module in try Self.moduleFolders().sorted() {
            guard let allowed = Self.allowedImports[module] else { continue }
            for file in Self.swiftFiles(of: module) {
                let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
                for (line, imported) in Self.imports(in: text)
                where !allowed.contains(imported) && !Self.toolchainModules.contains(imported) {
                    let permitted = allowed.sorted().joined(separator: ", ")
                    Issue.record("\(file):\(line) imports \(imported), which \(module) must not import (it may import: \(permitted))")
                }
            }
        }
    }

    @Test func theTableIsPackageSwiftsDependencies() throws {
        let declared = try Self.declaredDependencies()
        for (module, allowed) in Self.allowedImports.sorted(by: { $0.key < $1.key }) {
            guard let dependencies = declared[module] else {
                Issue.record("Package.swift has no target \(module)")
                continue
            }
            #expect(dependencies == allowed, "\(module): Package.swift says \(dependencies.sorted()), the table \(allowed.sorted())")
        }
    }

    @Test func theArchitectureDocumentDescribesEveryModule() throws {
        let document = try String(contentsOf: Self.root.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
        for module in try Self.moduleFolders().sorted() where !document.contains("`\(module)`") {
            Issue.record("docs/ARCHITECTURE.md does not describe Sources/\(module)")
        }
    }

    @Test func importLinesAreReadWithTheirAttributesAndKinds() {
        let text = """
            import Foundation
            @testable import routeledger
            @_implementationOnly import CBLAS
            public import struct Kafka.KafkaOffset
            // import Postgres
            let notAnImport = "import Ledger"
            """
        #expect(Self.imports(in: text).map(\.module) == ["Foundation", "routeledger", "CBLAS", "Kafka"])
        #expect(Self.imports(in: text).map(\.line) == [1, 2, 3, 4])
    }
}
