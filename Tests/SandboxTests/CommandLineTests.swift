import Foundation
import Testing

/// The `ars-sandbox` command line: refusals exit 2 with a clear message, `--help` exits 0.
@Suite("Command line")
struct CommandLineTests {
    private func run(_ arguments: [String], environment: [String: String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ars-sandbox-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let log = folder.appendingPathComponent("stderr.log")
        let launched = try SandboxInstance.launch(arguments: arguments, environment: environment, log: log)
        var status: Int32 = -1
        for await code in launched.exitCode { status = code }
        let stdout = String(decoding: launched.stdout.readDataToEndOfFile(), as: UTF8.self)
        let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: folder)
        return (status, stdout, stderr)
    }

    @Test("without ARS_SANDBOX_API_KEY it refuses to start (exit 2)")
    func missingKey() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ars-sandbox-nokey-\(UUID().uuidString)").path
        let result = try await run(["--state", folder, "--port", "0"], environment: [:])
        #expect(result.status == 2)
        #expect(result.stderr.contains("ARS_SANDBOX_API_KEY is not set"))
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder), "nothing was created")
    }

    @Test(
        "usage errors exit 2 and never print the key",
        arguments: [
            ["--port", "0"], ["--state"], ["--state", "/tmp/x", "--port", "70000"], ["--state", "/tmp/x", "--speed", "0"],
            ["--state", "/tmp/x", "--now", "yesterday"], ["--state", "/tmp/x", "--verbose"],
        ])
    func usageErrors(arguments: [String]) async throws {
        let result = try await run(arguments, environment: [SandboxInstance.apiKeyVariable: SandboxInstance.apiKey])
        #expect(result.status == 2)
        #expect(result.stderr.contains("usage: ars-sandbox"))
        #expect(!result.stderr.contains(SandboxInstance.apiKey))
    }

    @Test("--help prints the usage and exits 0")
    func help() async throws {
        let result = try await run(["--help"], environment: [:])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("usage: ars-sandbox --state DIR"))
    }

    @Test("SIGINT stops the server cleanly too, and the port is released")
    func interrupt() async throws {
        let instance = try await SandboxInstance()
        #expect(try await RawHTTP.send(port: instance.port, method: "GET", path: "/api/v1/healthz", headers: [], body: nil).status == 200)
        #expect(await instance.stop(signal: SIGINT) == 0)
        await #expect(throws: RawHTTP.Failure.self) {
            _ = try await RawHTTP.send(port: instance.port, method: "GET", path: "/api/v1/healthz", headers: [], body: nil)
        }
        try? FileManager.default.removeItem(at: instance.stateDirectory)
    }

    @Test("the server logs to stderr only and never prints the key")
    func logsOnStderr() async throws {
        try await withSandbox { sandbox in
            _ = try await sandbox.get("/tasks")
            #expect(sandbox.instance.stderr.contains("listening"))
            #expect(!sandbox.instance.stderr.contains(SandboxInstance.apiKey))
        }
    }
}
