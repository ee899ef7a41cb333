// swift-tools-version:6.0
import Foundation
import PackageDescription

// The BLAS the numerical modules link: `ROUTELEDGER_BLAS=openblas` (the default, Debian's
// libopenblas-dev) or `blis` (Debian's libblis-pthread-dev; ops/setup.sh installs it when the
// variable says so). OpenBLAS measured faster on the router's and the encoder's shapes (README,
// "Which BLAS").
let blas = ProcessInfo.processInfo.environment["ROUTELEDGER_BLAS"] ?? "openblas"
guard ["openblas", "blis"].contains(blas) else {
    fatalError("ROUTELEDGER_BLAS is '\(blas)'; it names the BLAS to link: openblas (default) or blis")
}
let blisLibraries = "/usr/lib/x86_64-linux-gnu/blis-pthread"
/// What the modules calling the BLAS need to know of the choice: a compilation condition, and
/// for BLIS where Debian keeps its library (off the default search path).
let blasSwiftSettings: [SwiftSetting] = blas == "blis" ? [.define("ROUTELEDGER_BLIS")] : []
let blasLinkerSettings: [LinkerSetting] = blas == "blis"
    ? [.unsafeFlags(["-L\(blisLibraries)", "-Xlinker", "-rpath", "-Xlinker", blisLibraries])] : []

let package = Package(
    name: "RouteLedger",
    products: [
        .executable(name: "routeledger", targets: ["routeledger"]),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        blas == "blis"
            ? .systemLibrary(name: "CBLAS", path: "Sources/CBLAS/BLIS", providers: [.apt(["libblis-pthread-dev"])])
            : .systemLibrary(name: "CBLAS", path: "Sources/CBLAS/OpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka",
                       providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),

        .target(name: "Streams"),
        // The router's weighting runs 16 lanes at a time: compiled for AVX2 with FMA (every x86-64
        // CPU since 2013; routeledger refuses to start on one without), about three times the
        // speed of the baseline target's SSE2.
        .target(name: "Ranking", dependencies: ["CBLAS"], swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"])] + blasSwiftSettings,
                linkerSettings: blasLinkerSettings),
        // The encoder's element-wise steps (GELU, softmax, layer norm) compiled for AVX2 with FMA
        // like the router's weighting, and optimised in debug builds too: they run hundreds of
        // times slower unoptimised, which would make the reference tests take minutes.
        .target(name: "Embeddings", dependencies: ["Ranking", "CBLAS", "Int8Kernels"],
                swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"]), .unsafeFlags(["-O"], .when(configuration: .debug))]),
        // The int8 encoder's integer products, compiled for AVX2 (Haswell and later; the
        // embedder refuses int8 on a CPU without it), optimised in debug builds for the same
        // reason as Embeddings.
        .target(name: "Int8Kernels",
                swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"]), .unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "Ledger", dependencies: ["Postgres", "Streams"]),
        .target(name: "Kafka", dependencies: ["CRdKafka", "Streams"]),
        .target(name: "BattleStore", dependencies: ["Ranking", "Embeddings"]),
        .target(name: "Pipeline", dependencies: ["Streams", "Ranking", "Embeddings", "BattleStore", "Ledger", "Kafka", "Postgres"]),

        // The SQL migrations in schemas/sql, compiled into the Postgres module by a build plugin.
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["MigrationEmbedder"]),
        .target(name: "Postgres", dependencies: ["CLibPQ"], plugins: ["EmbedMigrations"]),

        .executableTarget(name: "routeledger", dependencies: ["Ranking", "Embeddings", "BattleStore", "Streams", "Kafka", "Pipeline", "Ledger", "Postgres"],
                          swiftSettings: blasSwiftSettings),

        // What several test targets share: where the shared fixtures are, a route stage on test topics.
        .target(name: "TestSupport", dependencies: ["Streams", "Postgres", "Pipeline", "Kafka", "Ledger", "Ranking"], path: "Tests/TestSupport"),
        .testTarget(name: "StreamsTests", dependencies: ["Streams"]),
        .testTarget(name: "RankingTests", dependencies: ["Ranking", "TestSupport"]),
        .testTarget(name: "EmbeddingsTests", dependencies: ["Embeddings", "TestSupport"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "Streams", "Postgres", "TestSupport"]),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Streams", "Postgres", "TestSupport"]),
        .testTarget(name: "BattleStoreTests", dependencies: ["BattleStore", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "ReliabilityTests", dependencies: ["Pipeline", "Kafka", "TestSupport"], resources: [.copy("Corpus")]),
        .testTarget(name: "routeledgerTests", dependencies: ["routeledger", "Streams", "Kafka", "Ledger", "Postgres", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer harness of the event parsers exists only for ops/fuzz.sh, which sets
// ROUTELEDGER_FUZZER to the toolchain's libFuzzer runtime without `main` (libclang_rt.fuzzer_no_main):
// an ordinary build has no libFuzzer to link. Pipeline, where the parsers are, and the harness
// are compiled with libFuzzer's coverage instrumentation; the other modules and the build tools
// are left alone.
if let libFuzzer = ProcessInfo.processInfo.environment["ROUTELEDGER_FUZZER"] {
    let instrumented = SwiftSetting.unsafeFlags(["-sanitize=fuzzer"])
    package.targets.first { $0.name == "Pipeline" }!.swiftSettings = [instrumented]
    package.targets.append(.executableTarget(
        name: "EventFuzzer", dependencies: ["Pipeline"], swiftSettings: [instrumented],
        linkerSettings: [.unsafeFlags(["-Xlinker", "--whole-archive", "-Xlinker", libFuzzer, "-Xlinker", "--no-whole-archive", "-lstdc++"])]))
    package.products.append(.executable(name: "EventFuzzer", targets: ["EventFuzzer"]))
}
