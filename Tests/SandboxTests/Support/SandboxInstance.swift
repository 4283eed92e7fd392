import Foundation
import Testing

/// A real `ars-sandbox` process on an ephemeral loopback port, started the way `ars --sandbox`
/// starts it: `--port 0 --state DIR`, key in the environment, address from the listening line.
actor SandboxInstance {
    /// The key every test instance is started with.
    static let apiKey = "sandbox-test-key-0f9d2c"
    /// The sandbox time every test instance starts at (unless a test asks otherwise).
    static let start = "2026-05-01T08:00:00Z"
    /// Sandbox time runs this many times faster than real time in tests.
    static let speed = 1000.0

    nonisolated let port: Int
    nonisolated let pid: Int32
    nonisolated let stateDirectory: URL
    private let process: Process
    private let exitCode: AsyncStream<Int32>

    /// The built binary, next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ars-sandbox")
    }

    /// Starts a sandbox on `stateDirectory` (a new temporary folder when nil).
    init(
        stateDirectory: URL? = nil, speed: Double = SandboxInstance.speed, now: String? = SandboxInstance.start,
        extraArguments: [String] = []
    ) async throws {
        let directory =
            stateDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("ars-sandbox-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = ["--port", "0", "--state", directory.path, "--speed", String(speed)]
        if let now { arguments += ["--now", now] }
        arguments += extraArguments
        let launched = try Self.launch(
            arguments: arguments, environment: [Self.apiKeyVariable: Self.apiKey], log: directory.appendingPathComponent("stderr.log"))
        let line = try await Self.firstLine(of: launched.stdout)
        let announcement = JSON(data: Data(line.utf8))
        guard announcement["event"].string == "listening", let url = announcement["url"].string,
            let port = url.split(separator: ":").last.flatMap({ Int($0) }), let pid = announcement["pid"].int
        else {
            launched.process.terminate()
            throw RawHTTP.Failure(description: "unexpected first stdout line: \(line)")
        }
        #expect(url == "http://127.0.0.1:\(port)")
        #expect(pid == Int(launched.process.processIdentifier))
        self.port = port
        self.pid = Int32(pid)
        self.stateDirectory = directory
        self.process = launched.process
        self.exitCode = launched.exitCode
    }

    /// Sends `signal` (SIGTERM by default) and returns the exit status once the process has ended.
    func stop(signal: Int32 = SIGTERM) async -> Int32 {
        if process.isRunning { kill(pid, signal) }
        for await code in exitCode { return code }
        return process.terminationStatus
    }

    /// Everything the server wrote to stderr so far.
    nonisolated var stderr: String {
        (try? String(contentsOf: stateDirectory.appendingPathComponent("stderr.log"), encoding: .utf8)) ?? ""
    }

    // MARK: - Launching

    static let apiKeyVariable = "ARS_SANDBOX_API_KEY"

    /// Runs the binary with `arguments` and exactly `environment` (plus PATH), stdout on a pipe,
    /// stderr into `log`.
    static func launch(arguments: [String], environment: [String: String], log: URL) throws
        -> (process: Process, stdout: FileHandle, exitCode: AsyncStream<Int32>)
    {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        process.environment = env
        let stdout = Pipe()
        process.standardOutput = stdout
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw RawHTTP.Failure(description: "cannot create \(log.path)")
        }
        process.standardError = try FileHandle(forWritingTo: log)
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            continuation.yield(finished.terminationStatus)
            continuation.finish()
        }
        try process.run()
        return (process, stdout.fileHandleForReading, stream)
    }

    /// A sandbox started with only `tools` on its PATH (to see it do without the others): the
    /// process, its announcement and its stderr log, in a temporary folder the caller removes.
    static func startWithOnly(_ tools: [String], in directory: URL) async throws -> (process: Process, announcement: JSON, log: URL) {
        let bin = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for tool in tools {
            let path = ["/usr/bin/\(tool)", "/usr/sbin/\(tool)", "/bin/\(tool)"].first { FileManager.default.isExecutableFile(atPath: $0) }
            if let path {
                try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent(tool).path, withDestinationPath: path)
            }
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--port", "0", "--state", directory.appendingPathComponent("state").path]
        process.environment = [apiKeyVariable: apiKey, "PATH": bin.path]
        let stdout = Pipe()
        process.standardOutput = stdout
        let log = directory.appendingPathComponent("stderr.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        do {
            let announcement = JSON(data: Data(try await firstLine(of: stdout.fileHandleForReading).utf8))
            return (process, announcement, log)
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw error
        }
    }

    /// Reads stdout up to the first newline (blocking reads off the concurrency pool).
    static func firstLine(of handle: FileHandle) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var bytes = Data()
                while !bytes.contains(UInt8(ascii: "\n")) {
                    let chunk = handle.availableData
                    if chunk.isEmpty {
                        continuation.resume(
                            throwing: RawHTTP.Failure(
                                description:
                                    "ars-sandbox closed stdout before the listening line: \(String(decoding: bytes, as: UTF8.self))"))
                        return
                    }
                    bytes.append(chunk)
                }
                let line = bytes.split(separator: UInt8(ascii: "\n")).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
                continuation.resume(returning: line)
            }
        }
    }
}

/// Runs `body` against a fresh sandbox, then stops it and removes its state folder; a failure
/// keeps the folder (with the server's `stderr.log`) for a look.
func withSandbox<T>(speed: Double = SandboxInstance.speed, _ body: (SandboxClient) async throws -> T) async throws -> T {
    let instance = try await SandboxInstance(speed: speed)
    do {
        let result = try await body(SandboxClient(instance: instance))
        #expect(await instance.stop() == 0)
        try? FileManager.default.removeItem(at: instance.stateDirectory)
        return result
    } catch {
        _ = await instance.stop()
        Issue.record("sandbox state and log kept in \(instance.stateDirectory.path)")
        throw error
    }
}
