// swift-tools-version:6.0
import PackageDescription

/// One settings list shared by every target, so the whole package builds under the same rules.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "lacak",
    products: [
        .executable(name: "lacakd", targets: ["lacakd"]),
        .executable(name: "courier-sim", targets: ["courier-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // The library targets, left to right: each imports only targets above it (README, How it works).
        .target(
            name: "LacakSupport",
            dependencies: ["COpenSSL", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "LacakModel", dependencies: ["LacakSupport"], swiftSettings: swiftSettings),
        .target(name: "LacakTransport", dependencies: ["CCurl", "LacakSupport"], swiftSettings: swiftSettings),
        .target(
            name: "LacakStore",
            dependencies: ["LacakSupport", "LacakModel", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LacakConfig",
            dependencies: ["LacakSupport", "LacakModel", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LacakCouriers",
            dependencies: ["LacakSupport", "LacakModel", "LacakTransport", "LacakConfig"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LacakSpool",
            dependencies: ["LacakSupport", "LacakModel", "LacakStore", "LacakConfig"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LacakIntake",
            dependencies: ["LacakSupport", "LacakModel", "LacakSpool", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LacakTikTokShop",
            dependencies: ["LacakSupport", "LacakModel", "LacakTransport", "LacakConfig", "LacakSpool", "LacakIntake"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LacakPipeline",
            dependencies: [
                "LacakSupport", "LacakModel", "LacakTransport", "LacakStore", "LacakConfig", "LacakCouriers",
                "LacakSpool", "LacakIntake", "LacakTikTokShop", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LacakDaemon",
            dependencies: [
                "LacakSupport", "LacakModel", "LacakTransport", "LacakStore", "LacakConfig", "LacakSpool", "LacakPipeline",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "lacakd",
            dependencies: [
                "LacakDaemon", "LacakPipeline", "LacakTikTokShop", "LacakIntake", "LacakSpool", "LacakCouriers", "LacakConfig", "LacakStore",
                "LacakTransport", "LacakModel", "LacakSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoopbackHTTP",
            dependencies: [
                "LacakSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "courier-sim",
            dependencies: [
                "LoopbackHTTP",
                // LockBox: one lock vocabulary in lacak, its tools and its tests.
                "LacakSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Scores the status vocabularies against the labelled corpus (Tests/Corpus): used by
        // `make test` and by `lacak-bench accuracy`.
        .target(
            name: "LacakAccuracy",
            dependencies: ["LacakPipeline", "LacakConfig", "LacakCouriers", "LacakTransport", "LacakModel", "LacakSupport"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "lacak-bench",
            dependencies: [
                "LacakPipeline", "LacakTikTokShop", "LacakIntake", "LacakSpool", "LacakCouriers", "LacakConfig", "LacakStore",
                "LacakTransport", "LacakModel", "LacakSupport", "LacakAccuracy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LacakCoreTests",
            dependencies: [
                "LacakDaemon", "LacakPipeline", "LacakTikTokShop", "LacakIntake", "LacakSpool", "LacakCouriers", "LacakConfig", "LacakStore",
                "LacakTransport", "LacakModel", "LacakSupport", "LacakAccuracy", "lacakd", "courier-sim", "LoopbackHTTP",
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

/// libFuzzer targets, one per parser (Fuzz/<name>/main.swift), only when `LACAK_FUZZ` is set:
/// they need `--sanitize=fuzzer`, which provides their `main` (see tools/fuzz.sh).
let fuzzTargets = ["FuzzConfig", "FuzzMapping", "FuzzSeventeenTrack", "FuzzAfterShip", "FuzzExecPlugin", "FuzzIntake", "FuzzDetect", "FuzzTime"]
let fuzzedLibraries: [Target.Dependency] = ["LacakSupport", "LacakModel", "LacakConfig", "LacakCouriers", "LacakIntake", "LacakTransport"]
if Context.environment["LACAK_FUZZ"] != nil {
    package.targets.append(.target(name: "FuzzSupport", dependencies: fuzzedLibraries, path: "Fuzz/FuzzSupport", swiftSettings: swiftSettings))
    for name in fuzzTargets {
        package.targets.append(.executableTarget(name: name, dependencies: fuzzedLibraries + ["FuzzSupport"], path: "Fuzz/\(name)", swiftSettings: swiftSettings))
    }
}
