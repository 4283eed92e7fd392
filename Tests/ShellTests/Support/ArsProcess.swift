import Foundation

@_exported import TestSupport

/// The `ars` binary built beside this test bundle.
let arsBinary = builtProducts.appendingPathComponent("ars").path

/// A private working directory and state for running ars as a user would: its own HOME,
/// XDG directories and a copy of the example lane catalogue as the user's own
/// (`$XDG_CONFIG_HOME/ars/agentrun.yaml`).
struct Sandbox {
    let directory: String

    init(config: Bool = true) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ars-shell-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/xdg/ars", withIntermediateDirectories: true)
        if config {
            try FileManager.default.copyItem(atPath: repositoryRoot + "/config/agentrun.yaml", toPath: directory + "/xdg/ars/agentrun.yaml")
        }
    }

    var environment: [String: String] {
        [
            "HOME": directory, "XDG_STATE_HOME": directory + "/state", "XDG_CONFIG_HOME": directory + "/xdg",
            "PATH": (arsBinary as NSString).deletingLastPathComponent + ":/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
        ]
    }

    /// Runs ars to completion with `arguments` and `stdin`.
    @discardableResult
    func run(_ arguments: [String], stdin: String = "", environment extra: [String: String] = [:]) throws -> ProcessResult {
        try runProcess([arsBinary] + arguments, stdin: stdin, environment: environment.merging(extra) { $1 }, directory: directory)
    }
}
