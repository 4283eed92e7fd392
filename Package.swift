// swift-tools-version: 6.0
import PackageDescription

// MARK: - The release binary's layout
//
// A one-shot command touches a few hundred functions scattered over 11 MB of code, and the
// kernel maps 64 KiB around each page it faults in: that, not the heap, is most of a one-shot's
// RSS. Release builds therefore put every function in its own section and link with lld, which
// places the functions named in `scripts/order/ars.order` (what representative commands run,
// recorded by `scripts/order-file`) together at the start of the text, and packs the ~40 000
// relative relocations of the PIE into a few KB (RELR) instead of a 1 MB table read at every
// start. Debug builds (the tests) are left alone. Figures: docs/benchmarks.md.
let orderedReleaseLink = [
    "-use-ld=lld",
    "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/scripts/order/ars.order",
    "-Xlinker", "--no-warn-symbol-ordering",
    "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
]
let package = Package(
    name: "ars",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ars", targets: ["Shell"]),
        .executable(name: "ars-sandbox", targets: ["Sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
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
        .systemLibrary(name: "CProcessControl"),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        // MARK: - Dependency-free leaves shared by ars and the sandbox
        .target(name: "Digest"),
        // `Value`, JSON with positions, value paths, RFC 3339 timestamps
        .target(name: "Wire"),

        // MARK: - The plugin-facing framework, in three layers (arrows one way):
        // the command model (signatures, invocations, tokens, values out, printers, errors) →
        // the lane toolkit (catalogue, HTTP and bridge seams, node client, worktree, write gate,
        // record/replay) → Commands (the Command protocol, registry, parser, session,
        // dispatcher, completion, built-ins), which re-exports the other two and Wire.
        .target(
            name: "CommandModel",
            dependencies: ["CYAML", "Digest", "Wire"]
        ),
        .target(
            name: "LaneToolkit",
            dependencies: ["CommandModel"]
        ),
        .target(
            name: "Commands",
            dependencies: ["CommandModel", "Digest", "LaneToolkit", "Wire"]
        ),

        // MARK: - The .ars script language (grammar, runner, checker, evidence) and its commands
        .target(
            name: "ScriptLanguage",
            dependencies: ["Commands"]
        ),

        // MARK: - Plugins (depend on Commands only)
        .target(
            name: "LegacyPlugin",
            dependencies: ["Commands"],
            path: "Sources/Plugins/Legacy"
        ),
        .target(
            name: "QueuePlugin",
            dependencies: ["Commands"],
            path: "Sources/Plugins/Queue"
        ),
        .target(
            name: "ControlPlanePlugin",
            dependencies: ["Commands"],
            path: "Sources/Plugins/ControlPlane"
        ),
        .target(
            name: "EgressPlugin",
            dependencies: ["Commands"],
            path: "Sources/Plugins/Egress"
        ),
        .target(
            name: "GitMirrorPlugin",
            dependencies: ["Commands"],
            path: "Sources/Plugins/GitMirror"
        ),
        .target(
            name: "WorktreePlugin",
            dependencies: ["Commands"],
            path: "Sources/Plugins/Worktree"
        ),

        // MARK: - Adapters (C libraries behind the protocols in Commands)
        .target(
            name: "Transport",
            dependencies: ["Commands", "CCurl"]
        ),
        .target(
            name: "Bridges",
            dependencies: ["Commands", "CProcessControl"]
        ),

        // MARK: - The `ars` executable
        .executableTarget(
            name: "Shell",
            dependencies: [
                "Commands", "ScriptLanguage", "EgressPlugin", "GitMirrorPlugin", "LegacyPlugin", "QueuePlugin", "ControlPlanePlugin",
                "WorktreePlugin",
                "Transport", "Bridges",
                "CEditLine",
            ],
            linkerSettings: [.unsafeFlags(orderedReleaseLink, .when(configuration: .release))]
        ),

        // MARK: - The sandbox lane (`ars-sandbox`): plays the remote AgentRun server, so it
        // depends on neither `Commands` nor any plugin
        .target(
            name: "SandboxCore",
            dependencies: [
                "CSQLite",
                "Digest",
                "Wire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Resources/Scenarios")]
        ),
        .executableTarget(
            name: "Sandbox",
            dependencies: ["SandboxCore", "CProcessControl"]
        ),

        // MARK: - Tests
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CommandsTests", dependencies: ["Commands", "ScriptLanguage"], exclude: ["Golden"]),
        .testTarget(name: "LegacyPluginTests", dependencies: ["LegacyPlugin", "Commands"]),
        .testTarget(name: "QueuePluginTests", dependencies: ["QueuePlugin", "Commands"]),
        .testTarget(name: "EgressPluginTests", dependencies: ["EgressPlugin", "Commands"]),
        .testTarget(name: "GitMirrorPluginTests", dependencies: ["GitMirrorPlugin", "Commands"]),
        .testTarget(name: "ControlPlanePluginTests", dependencies: ["ControlPlanePlugin", "Commands"]),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "Commands", "ScriptLanguage", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Shell", "Sandbox", "Commands", "TestSupport"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "Commands"]),
        .testTarget(name: "BridgesTests", dependencies: ["Bridges", "Commands", "ScriptLanguage", "TestSupport"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "SandboxCore", "Digest", "TestSupport"]),
    ]
)

// Every function in its own section (see the release binary's layout above).
for target in package.targets where target.type == .regular || target.type == .executable {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .unsafeFlags(["-Xfrontend", "-function-sections"], .when(configuration: .release))
        ]
}
