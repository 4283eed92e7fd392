import Bridges
import Commands
import Foundation
import Testing

@Suite("Local bridge")
struct LocalBridgeTests {
    let folder: TemporaryDirectory
    let bridge: LocalBridge

    init() throws {
        folder = try TemporaryDirectory("local")
        try folder.executable("kubectl", fakeKubectl)
        bridge = LocalBridge(node: localNode(), environment: bridgeEnvironment(bin: folder.path, home: folder.path))
    }

    @Test("stdout, stderr and the exit status come back apart; a non-zero exit is a result")
    func separation() async throws {
        let result = try await bridge.run(.script("echo out; echo err >&2; echo 报告; exit 3", in: folder.path))
        #expect(result.stdoutText == "out\n报告\n")
        #expect(result.stderrText == "err\n")
        #expect(result.exitStatus == 3)
        #expect(!result.succeeded)
        #expect(result.duration > 0)
    }

    @Test("the script runs in the folder, with the session's environment and no terminal")
    func folderEnvironmentAndStdin() async throws {
        let result = try await bridge.run(
            .script(
                #"pwd; printf '%s\n' "$ARS_BRIDGE_MARK"; [ -t 0 ] && echo tty || echo no-tty; cat; (: </dev/tty) 2>/dev/null && echo has-ctty || echo no-ctty"#,
                in: folder.path))
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        #expect(
            lines == [URL(fileURLWithPath: folder.path).resolvingSymlinksInPath().path, "session-environment", "no-tty", "no-ctty"]
                || lines == [folder.path, "session-environment", "no-tty", "no-ctty"])
    }

    @Test("a missing folder is a result with a non-zero status and the shell's cd message, not a crash")
    func missingFolder() async throws {
        let missing = folder.path + "/no such folder"
        let result = try await bridge.run(.script("echo should-not-run", in: missing))
        #expect(result.exitStatus == 1)
        #expect(result.stdoutText == "")
        #expect(result.stderrText.contains("no such folder"))
    }

    @Test("kubectl is found on the session's PATH, with --kubeconfig first when the catalogue names one")
    func kubectlAndKubeconfig() async throws {
        let plain = try await bridge.run(.kubectl(["get", "pods", "-n", "agentrun-v01"]))
        #expect(nulSeparatedWords(plain.stdout) == ["get", "pods", "-n", "agentrun-v01"].map { Data($0.utf8) })

        let configured = LocalBridge(
            node: localNode(kubeconfig: "~/kube config"), environment: bridgeEnvironment(bin: folder.path, home: folder.path))
        let result = try await configured.run(.kubectl(["version"]))
        #expect(nulSeparatedWords(result.stdout) == ["--kubeconfig", folder.path + "/kube config", "version"].map { Data($0.utf8) })
        #expect(configured.arguments(for: .kubectl(["version"])) == ["kubectl", "--kubeconfig", folder.path + "/kube config", "version"])
    }

    @Test("bridge.command can name the kubectl to use by path")
    func commandPath() async throws {
        let other = try TemporaryDirectory("kubectl-path")
        let path = try other.executable("my-kubectl", "#!/bin/sh\necho custom \"$@\"\n")
        let custom = LocalBridge(node: localNode(command: path), environment: bridgeEnvironment(bin: "/nonexistent", home: other.path))
        #expect(try await custom.run(.kubectl(["get", "ns"])).stdoutText == "custom get ns\n")
    }

    @Test("a missing kubectl is bridge-unavailable, naming what to install or configure")
    func missingKubectl() async throws {
        let empty = try TemporaryDirectory("no-kubectl")
        let bare = LocalBridge(node: localNode("lab"), environment: ["PATH": empty.path, "HOME": empty.path])
        let error = await arsError { _ = try await bare.run(.kubectl(["get", "pods"])) }
        #expect(error?.kind == .remote)
        #expect(error?.code == .bridgeUnavailable)
        #expect(error?.message.contains("kubectl is not on PATH") == true)
        #expect(error?.message.contains("node lab") == true)
        #expect(error?.hint?.contains("nodes.lab.bridge.command") == true)
        #expect(error?.hint?.contains("install kubectl") == true)

        let missingPath = LocalBridge(node: localNode(command: empty.path + "/kubectl"), environment: ["PATH": empty.path])
        #expect(await arsError { _ = try await missingPath.run(.kubectl([])) }?.code == .bridgeUnavailable)
    }

    @Test("stdin bytes reach the command; megabytes in and out at once do not deadlock")
    func stdinAndLargeStreams() async throws {
        let small = try await bridge.run(
            RemoteCommand(target: .directory(folder.path), arguments: ["cat"], stdin: Data("kind: Task\n名字: 报告\n".utf8)))
        #expect(small.stdoutText == "kind: Task\n名字: 报告\n")

        // 6 MB through cat (written while it is read back), plus 3 MB on stderr at the same time.
        let input = Data((0..<6_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let result = try await bridge.run(
            RemoteCommand(target: .directory(folder.path), arguments: ["head -c 3000000 /dev/zero >&2 & cat; wait"], stdin: input))
        #expect(result.exitStatus == 0)
        #expect(result.stdout == input)
        #expect(result.stderr.count == 3_000_000)
    }

    @Test("several megabytes on both streams are drained together")
    func largeOutputs() async throws {
        let result = try await bridge.run(
            .script("head -c 8000000 /dev/zero | tr '\\0' a & head -c 5000000 /dev/zero | tr '\\0' b >&2; wait", in: folder.path))
        #expect(result.stdout.count == 8_000_000)
        #expect(result.stderr.count == 5_000_000)
        #expect(result.stdout.allSatisfy { $0 == UInt8(ascii: "a") })
        #expect(result.stderr.allSatisfy { $0 == UInt8(ascii: "b") })
    }

    @Test("a child that closes stdin early does not break the write (no SIGPIPE)")
    func stdinClosedEarly() async throws {
        let input = Data(repeating: 0x41, count: 4_000_000)
        let result = try await bridge.run(
            RemoteCommand(target: .directory(folder.path), arguments: ["exec 0<&-; echo closed"], stdin: input))
        #expect(result.stdoutText == "closed\n")
        #expect(result.exitStatus == 0)
    }

    @Test("bridges run concurrently without mixing outputs")
    func concurrent() async throws {
        let bridge = self.bridge
        let path = folder.path
        let outputs = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<16 {
                group.addTask { (index, try await bridge.run(.script("printf %s \(index)", in: path)).stdoutText) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(outputs == Dictionary(uniqueKeysWithValues: (0..<16).map { ($0, String($0)) }))
    }
}

@Suite("Timeouts and cancellation")
struct TimeoutTests {
    @Test("an expired timeout stops the command (and what it started) and throws bridge-timeout promptly")
    func timeout() async throws {
        let folder = try TemporaryDirectory("timeout")
        let bridge = LocalBridge(
            node: localNode("lab"), environment: bridgeEnvironment(bin: folder.path, home: folder.path), terminationGrace: 0.5)
        let start = ContinuousClock.now
        let error = await arsError {
            _ = try await bridge.run(.script("echo started >&2; sleep 120 & sleep 120; wait", in: folder.path, timeout: 0.5))
        }
        // Long before the command would have ended. The bound is generous on purpose: other suites
        // block Swift's cooperative pool (two threads on a two-core machine) for seconds at a time.
        #expect(elapsed(since: start) < 30)
        #expect(error?.code == .bridgeTimeout)
        #expect(error?.kind == .remote)
        #expect(error?.message.contains("within 0.5 s") == true)
        #expect(error?.message.contains("node lab") == true)
        #expect(error?.hint?.contains("nodes.lab.bridge.timeout") == true)
    }

    @Test("a command that ignores SIGTERM is killed after the grace period")
    func ignoresTerm() async throws {
        let folder = try TemporaryDirectory("term")
        let bridge = LocalBridge(
            node: localNode(), environment: bridgeEnvironment(bin: folder.path, home: folder.path), terminationGrace: 0.3)
        let start = ContinuousClock.now
        let error = await arsError {
            _ = try await bridge.run(.script("trap '' TERM; sleep 120 & wait; sleep 120", in: folder.path, timeout: 0.3))
        }
        #expect(error?.code == .bridgeTimeout)
        #expect(elapsed(since: start) < 30)
    }

    @Test("the catalogue's timeout is the default when the command names none")
    func catalogueTimeout() async throws {
        let folder = try TemporaryDirectory("cat-timeout")
        let bridge = LocalBridge(
            node: localNode(timeout: 1), environment: bridgeEnvironment(bin: folder.path, home: folder.path), terminationGrace: 0.2)
        let error = await arsError { _ = try await bridge.run(.script("sleep 120", in: folder.path)) }
        #expect(error?.code == .bridgeTimeout)
        #expect(error?.message.contains("within 1 s") == true)
    }

    @Test("cancelling the task (Ctrl-C) stops the child at once and throws CancellationError")
    func cancellation() async throws {
        let folder = try TemporaryDirectory("cancel")
        let bridge = LocalBridge(node: localNode(), environment: bridgeEnvironment(bin: folder.path, home: folder.path))
        let pidFile = folder.path + "/pid"
        let task = Task { try await bridge.run(.script("echo $$ > pid.tmp && mv pid.tmp pid; exec sleep 120", in: folder.path)) }
        #expect(await eventually(within: 30) { FileManager.default.fileExists(atPath: pidFile) })
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let start = ContinuousClock.now
        task.cancel()
        let outcome = await task.result
        #expect(elapsed(since: start) < 30)
        switch outcome {
        case .failure(let error): #expect(error is CancellationError, "got \(error)")
        case .success(let result): Issue.record("the command finished instead: \(result)")
        }
        #expect(kill(pid, 0) != 0, "the child was stopped and reaped")
    }

    @Test("an already-cancelled task starts nothing")
    func cancelledBeforeStart() async throws {
        let folder = try TemporaryDirectory("cancel-early")
        let bridge = LocalBridge(node: localNode(), environment: bridgeEnvironment(bin: folder.path, home: folder.path))
        let marker = folder.path + "/ran"
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await bridge.run(.script("touch ran", in: folder.path))
        }
        let outcome = await task.result
        guard case .failure(let error) = outcome else { Issue.record("it ran"); return }
        #expect(error is CancellationError)
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
