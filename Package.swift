// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "RouteLedger",
    products: [
        .executable(name: "routeledger", targets: ["routeledger"]),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka",
                       providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),

        .target(name: "Ranking", dependencies: ["CBLAS"]),
        // Optimised in debug builds too: the encoder's element-wise loops run hundreds of times
        // slower unoptimised, which would make the reference tests take minutes.
        .target(name: "Embeddings", dependencies: ["CBLAS"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "Ledger", dependencies: ["Postgres"]),
        .target(name: "Kafka", dependencies: ["CRdKafka"]),
        .target(name: "Pipeline", dependencies: ["Ranking", "Embeddings", "Ledger", "Kafka", "Postgres"]),
        .target(name: "BattleStore", dependencies: ["Ranking", "Embeddings"]),

        // The SQL migrations in schemas/sql, compiled into the Postgres module by a build plugin.
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["MigrationEmbedder"]),
        .target(name: "Postgres", dependencies: ["CLibPQ"], plugins: ["EmbedMigrations"]),

        .executableTarget(name: "routeledger", dependencies: ["Ranking", "Embeddings", "BattleStore", "CBLAS", "Kafka", "Pipeline", "Ledger", "Postgres"]),

        // What several test targets share: where the shared fixtures are, a route stage on test topics.
        .target(name: "TestSupport", dependencies: ["Postgres", "Pipeline", "Kafka", "Ledger", "Ranking"], path: "Tests/TestSupport"),
        .testTarget(name: "RankingTests", dependencies: ["Ranking", "TestSupport"]),
        .testTarget(name: "EmbeddingsTests", dependencies: ["Embeddings", "TestSupport"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "Postgres", "TestSupport"]),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Postgres", "TestSupport"]),
        .testTarget(name: "BattleStoreTests", dependencies: ["BattleStore", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "ReliabilityTests", dependencies: ["Pipeline", "Kafka", "TestSupport"], resources: [.copy("Corpus")]),
        .testTarget(name: "routeledgerTests", dependencies: ["routeledger", "Kafka", "Ledger", "Postgres", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
