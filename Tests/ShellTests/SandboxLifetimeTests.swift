import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// However `ars --sandbox` ends, the `ars-sandbox` it started ends with it, and what it leaves on
/// disk is readable by its user only.
@Suite("The sandbox ends with its ars")
struct SandboxLifetimeTests {
    /// The ids of the `ars-sandbox` processes whose command line names `directory`.
    static func servers(under directory: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let program = words.first, program.hasSuffix("ars-sandbox"), words.contains(where: { $0.hasPrefix(directory) }) else {
                return nil
            }
            // A zombie has ended already; only its parent has not reaped it yet.
            let status = (try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8)) ?? ""
            if let close = status.lastIndex(of: ")"), status[close...].dropFirst(2).first == "Z" { return nil }
            return pid
        }
    }

    /// Waits up to `seconds` for `condition`.
    static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    @Test("ars --sandbox run x.ars | head -1: no ars-sandbox is left 2 s later, and the state is private")
    func brokenPipe() throws {
        let sandbox = try Sandbox(config: false)
        let script = String(repeating: "context\necho 'a line for head to drop'\n", count: 200)
        try script.write(toFile: sandbox.directory + "/x.ars", atomically: true, encoding: .utf8)
        let result = try runProcess(
            ["/bin/sh", "-c", "'\(arsBinary)' --sandbox run x.ars | head -1"], environment: sandbox.environment,
            directory: sandbox.directory)
        #expect(result.stdout.split(separator: "\n").count == 1)
        // The sandbox did start: its server state is there.
        let state = sandbox.directory + "/state/ars/sandbox"
        #expect(FileManager.default.fileExists(atPath: state + "/server/sandbox.sqlite"))
        sleep(2)
        let left = Self.servers(under: sandbox.directory)
        #expect(left.isEmpty)
        for pid in left { kill(pid, SIGKILL) }

        for folder in [state, state + "/server"] {
            let mode = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
            #expect(mode == 0o700, "\(folder)")
        }
        for file in [state + "/agentrun.yaml", state + "/server.log"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
    }

    @Test("SIGHUP, SIGTERM or SIGKILL of ars: its ars-sandbox ends too", arguments: [SIGHUP, SIGTERM, SIGKILL])
    func signalled(_ signal: Int32) throws {
        let sandbox = try Sandbox(config: false)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arsBinary)
        process.arguments = ["--sandbox"]
        process.environment = sandbox.environment
        process.currentDirectoryURL = URL(fileURLWithPath: sandbox.directory)
        let input = Pipe()  // held open: ars waits for its script
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            try? input.fileHandleForWriting.close()
            for pid in Self.servers(under: sandbox.directory) { kill(pid, SIGKILL) }
        }
        #expect(Self.eventually(30) { !Self.servers(under: sandbox.directory).isEmpty })
        let server = Self.servers(under: sandbox.directory)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(Self.eventually(2) { Self.servers(under: sandbox.directory).isEmpty }, "still running: \(server)")
    }
}

/// One-shot calls on the sandbox behave like a lane that kept running between them.
@Suite("The sandbox makes progress between calls")
struct SandboxProgressTests {
    /// `ars --sandbox ARGS… -o json`, decoded.
    static func json(_ sandbox: Sandbox, _ arguments: [String]) throws -> [String: Any] {
        let result = try sandbox.run(["--sandbox"] + arguments + ["-o", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test("a task dispatched by one call is found running, then succeeded, by later calls as real time passes")
    func dispatchedThenSucceeded() throws {
        let sandbox = try Sandbox(config: false)
        let created = try Self.json(sandbox, ["create", "task", "--aipod", "Artificer", "--prompt", "hi", "--dispatch"])
        let id = try #require(created["id"] as? String)
        #expect(created["status"] as? String == "dispatched")
        // The simulated Artificer starts within a second and answers `hi` after 8 s of sandbox
        // time; at the real speed no ars-sandbox runs between these calls.
        sleep(3)
        let running = try Self.json(sandbox, ["get", "task/\(id)"])
        #expect(running["status"] as? String == "running")
        sleep(7)
        let finished = try Self.json(sandbox, ["get", "task/\(id)"])
        #expect(finished["status"] as? String == "succeeded")
        // Stamped when it would have finished had the server stayed up, not when a call noticed.
        let dispatched = try #require((finished["dispatchedAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
        let done = try #require((finished["finishedAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
        #expect(done.timeIntervalSince(dispatched) < 9)
    }

    @Test("ARS_NOW starts the sandbox's clock too: one clock for the server's stamps and ars's verdicts")
    func pinnedNow() throws {
        let sandbox = try Sandbox(config: false)
        let result = try sandbox.run(
            ["--sandbox", "create", "task", "--aipod", "Artificer", "--prompt", "hi", "-o", "json"],
            environment: ["ARS_NOW": "2030-06-01T12:00:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        let task = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((task["createdAt"] as? String)?.hasPrefix("2030-06-01T12:00") == true, "\(task["createdAt"] ?? "")")
    }
}
