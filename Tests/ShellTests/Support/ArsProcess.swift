import Foundation

/// The `ars` binary built beside this test bundle.
let arsBinary: String = {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return bundle.appendingPathComponent("ars").path
}()

/// The repository root (for committed files such as `completions/` and `config/`).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardized.path

/// A private working directory and state for running ars as a user would: its own HOME,
/// XDG directories and a copy of the example lane catalogue in `./config/agentrun.yaml`.
struct Sandbox {
    let directory: String

    init(config: Bool = true) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ars-shell-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/config", withIntermediateDirectories: true)
        if config {
            try FileManager.default.copyItem(atPath: repositoryRoot + "/config/agentrun.yaml", toPath: directory + "/config/agentrun.yaml")
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
    func run(_ arguments: [String], stdin: String = "", environment extra: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runProcess([arsBinary] + arguments, stdin: stdin, environment: environment.merging(extra) { $1 }, directory: directory)
    }
}

/// Runs a program and collects its exit status and both output streams.
func runProcess(_ command: [String], stdin: String = "", environment: [String: String], directory: String) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    process.environment = environment
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let input = Pipe(), output = Pipe(), error = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = error
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    // Read both streams concurrently so a full pipe can never block the child.
    nonisolated(unsafe) var errorData = Data()
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errorData = error.fileHandleForReading.readDataToEndOfFile()
        done.signal()
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
}
