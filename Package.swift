// swift-tools-version: 6.1
//
// selinon-migrate: change Selinon task-flow definitions while flows are running.
// Module map and dependency rules: README.md, section "Architecture".

import PackageDescription

let package = Package(
    name: "selinon-migrate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "selinon-migrate", targets: ["selinon-migrate"]),
        // Libraries a Swift service embeds.
        .library(name: "FlowConfig", targets: ["FlowConfig"]),
        .library(name: "FlowMigration", targets: ["FlowMigration"]),
        .library(name: "MigrationGenerator", targets: ["MigrationGenerator"]),
        .library(name: "GitHistory", targets: ["GitHistory"]),
        .library(name: "FlowStore", targets: ["FlowStore"]),
        .library(name: "MigrationReview", targets: ["MigrationReview"]),
        .library(name: "FlowEngine", targets: ["FlowEngine"]),
        .library(name: "YAMLTree", targets: ["YAMLTree"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        // Already required by postgres-nio; named to read its connection errors.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // libyaml through pkg-config; `apt-get install libyaml-dev`.
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        // A small YAML 1.1 node tree on libyaml events, resolving scalars like PyYAML's SafeLoader.
        .target(
            name: "YAMLTree",
            dependencies: ["CLibYAML"],
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]
        ),
        // The Selinon configuration model, its loader and validation with diagnostics.
        .target(name: "FlowConfig", dependencies: ["YAMLTree"]),
        // The runtime core: migration files and directories, dispatcher states, the migrator.
        // Foundation only, so a service that applies migrations pulls in no YAML or libgit2.
        .target(name: "FlowMigration"),
        // The differ and the writer of numbered migration files.
        .target(
            name: "MigrationGenerator",
            dependencies: ["FlowConfig", "FlowMigration", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Where in-flight flow states live: SQLite (embedded default) and PostgreSQL.
        .target(
            name: "FlowStore",
            dependencies: [
                "FlowMigration",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Its pool's error when the server stays unreachable, to say so in words.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Selinon's dispatcher as a pure state machine: simulation, reachable states, the oracle.
        .target(name: "FlowEngine", dependencies: ["FlowConfig", "FlowMigration", "YAMLTree"]),
        // Migrations and configuration changes for people: text, Markdown, JSON, Graphviz.
        .target(name: "MigrationReview", dependencies: ["FlowConfig", "FlowMigration", "MigrationGenerator"]),
        // libgit2 through pkg-config; `apt-get install libgit2-dev`.
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]
        ),
        // Configuration as it was at git revisions, and its history.
        .target(name: "GitHistory", dependencies: ["CLibGit2", "FlowConfig", "YAMLTree"]),
        // Standard input, output and error held open from the start, even when they were closed.
        .target(name: "CStandardStreams"),
        // The command line.
        .executableTarget(
            name: "selinon-migrate",
            dependencies: [
                "CStandardStreams",
                "FlowConfig",
                "FlowMigration",
                "MigrationGenerator",
                "GitHistory",
                "FlowStore",
                "MigrationReview",
                "FlowEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks: `swift run -c release selinon-migrate-benchmarks --help`.
        .executableTarget(
            name: "selinon-migrate-benchmarks",
            dependencies: [
                "YAMLTree", "FlowConfig", "FlowMigration", "MigrationGenerator", "GitHistory", "FlowStore", "FlowEngine", "CLibYAML",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/selinon-migrate-benchmarks",
            exclude: ["README.md"]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Fresh SQLite files and PostgreSQL databases for the store tests.
        .target(
            name: "StoreTestSupport",
            dependencies: [
                "FlowStore", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/StoreTestSupport"
        ),
        .testTarget(
            name: "YAMLTreeTests",
            dependencies: ["YAMLTree", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        // Fixtures and golden files of these targets are read from the source tree, so that
        // RECORD_SNAPSHOTS=1 can rewrite them.
        .testTarget(
            name: "FlowConfigTests",
            dependencies: ["FlowConfig", "TestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "FlowMigrationTests",
            dependencies: ["FlowMigration", "FlowEngine", "TestSupport"]
        ),
        .testTarget(
            name: "MigrationGeneratorTests",
            dependencies: ["MigrationGenerator", "FlowConfig", "FlowMigration", "TestSupport",
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "GitHistoryTests",
            dependencies: ["GitHistory", "FlowConfig", "TestSupport"]
        ),
        .testTarget(
            name: "FlowEngineTests",
            dependencies: ["FlowEngine", "FlowConfig", "FlowMigration", "MigrationGenerator", "TestSupport", "YAMLTree"]
        ),
        .testTarget(
            name: "MigrationReviewTests",
            dependencies: ["MigrationReview", "MigrationGenerator", "FlowConfig", "FlowMigration", "TestSupport"],
            exclude: ["Goldens"]
        ),
        .testTarget(
            name: "FlowStoreTests",
            dependencies: ["FlowStore", "FlowMigration", "FlowConfig", "FlowEngine", "StoreTestSupport", "TestSupport",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "SelinonMigrateCLITests",
            dependencies: ["TestSupport", "StoreTestSupport", "FlowStore", "FlowMigration",
                           .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Snapshots"]
        ),
    ]
)
