// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "ars",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ars", targets: ["Shell"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // MARK: - C modules (system libraries with typed shims for variadic calls)
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // MARK: - The plugin-facing framework
        .target(
            name: "Commands",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),

        // MARK: - Plugins (depend on Commands only)
        .target(
            name: "LegacyPlugin",
            dependencies: ["Commands"],
            path: "Sources/Plugins/Legacy"
        ),

        // MARK: - The `ars` executable
        .executableTarget(
            name: "Shell",
            dependencies: ["Commands", "LegacyPlugin", "CEditLine"]
        ),

        // MARK: - Tests
        .testTarget(name: "CommandsTests", dependencies: ["Commands"], exclude: ["Golden"]),
        .testTarget(name: "LegacyPluginTests", dependencies: ["LegacyPlugin", "Commands"]),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "Commands"]),
    ]
)
