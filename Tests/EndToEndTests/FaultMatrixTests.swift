import Foundation
import Testing

/// Faults that need the whole binary: a killed lane, an evidence folder that cannot be written,
/// a catalogue that cannot be read. Each asserts the exit code, the message and that nothing
/// was half-written. (The other rows of docs/reliability.md's matrix are tested where the
/// fault lives: TransportTests, BridgesTests, ConfigTests, QueueEndToEndTests.)
@Suite("Fault matrix through the binary")
struct FaultMatrixTests {
    @Test("a killed sandbox: reads are retried and announced, then exit 3 naming the lane, with no key in sight")
    func killedSandbox() throws {
        let sandbox = try SandboxServer()
        sandbox.stop()
        Thread.sleep(forTimeInterval: 0.3)
        let output = try sandbox.ars(["get", "tasks"])
        #expect(output.status == 3, "\(output.stderr)")
        #expect(output.stderr.contains("error[connection-refused]"), "\(output.stderr)")
        #expect(output.stderr.contains("ars: retrying GET"))
        #expect(output.stderr.contains("(after 3 attempts)"))
        #expect(output.stderr.contains("lane local/sandbox") || output.stderr.contains(sandbox.baseURL))
        #expect(!output.stderr.contains(sandbox.key) && !output.stdout.contains(sandbox.key))
    }

    /// A script that needs no lane, and a folder for it.
    func script() throws -> (directory: String, file: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ars-fault-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/s.ars"
        try "let x = echo one\nassert x == \"one\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        return (directory, file)
    }

    @Test("an evidence folder that cannot be created: exit 2 naming the path, nothing written")
    func evidenceFolderUnwritable() throws {
        let (directory, file) = try script()
        try "a file, not a folder".write(toFile: directory + "/blocker", atomically: true, encoding: .utf8)
        let output = try SandboxServer.shared.ars(["run", file, "--evidence", directory + "/blocker/out"])
        #expect(output.status == 2, "\(output.stderr)")
        #expect(output.stderr.contains("error[evidence-write]"))
        #expect(output.stderr.contains(directory + "/blocker/out"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["blocker", "s.ars"])
    }

    @Test("when one evidence file cannot be written, neither is: no half of a report, no temporary file left")
    func evidenceAllOrNothing() throws {
        let (directory, file) = try script()
        let out = directory + "/out"
        try FileManager.default.createDirectory(atPath: out + "/evidence.md", withIntermediateDirectories: true)
        let output = try SandboxServer.shared.ars(["run", file, "--evidence", out])
        #expect(output.status == 2, "\(output.stderr)")
        #expect(output.stderr.contains("it is a folder; nothing was written"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["evidence.md"], "no evidence.json, no temporary file")

        // And a good run replaces both files whole.
        try FileManager.default.removeItem(atPath: out + "/evidence.md")
        #expect(try SandboxServer.shared.ars(["run", file, "--evidence", out]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["evidence.json", "evidence.md"])
    }

    @Test("an unreadable or invalid catalogue: exit 2 naming the file, nothing sent")
    func badCatalogue() throws {
        let (directory, _) = try script()
        let missing = try SandboxServer.shared.ars(["get", "tasks"], config: directory + "/nope.yaml")
        #expect(missing.status == 2, "\(missing.stderr)")
        #expect(missing.stderr.contains("nope.yaml"))
        try "nodes: [unclosed\n".write(toFile: directory + "/bad.yaml", atomically: true, encoding: .utf8)
        let invalid = try SandboxServer.shared.ars(["get", "tasks"], config: directory + "/bad.yaml")
        #expect(invalid.status == 2, "\(invalid.stderr)")
        #expect(invalid.stderr.contains("bad.yaml:"))
    }

    @Test("git missing on the node: worktree check says so (exit 3, git-missing), it does not report a broken worktree")
    func gitMissing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ars-nogit-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/empty-path", withIntermediateDirectories: true)
        let made = try runProcess(["/usr/bin/git", "init", "-q", "-b", "v0.1", directory + "/repo"], environment: ["HOME": directory])
        #expect(made.status == 0, "\(made.stderr)")
        try """
        defaults: {node: lab, lane: v01}
        nodes:
          lab:
            bridge: {kind: local}
            lanes:
              v01:
                restBaseUrl: http://127.0.0.1:9
                namespace: agentrun-v01
                source: {worktree: \(directory)/repo, branch: v0.1, remote: git@github.com:pikasTech/agentrun.git}

        """.write(toFile: directory + "/lanes.yaml", atomically: true, encoding: .utf8)
        let ars = builtProducts.appendingPathComponent("ars").path
        // The node's shell finds no git: PATH holds nothing.
        let output = try runProcess(
            [ars, "--config", directory + "/lanes.yaml", "worktree", "check"],
            environment: ["HOME": directory, "PATH": directory + "/empty-path"])
        #expect(output.status == 3, "\(output.stdout)\(output.stderr)")
        #expect(output.stderr.contains("error[git-missing]: git is not installed on node lab"), "\(output.stderr)")
        #expect(output.stdout.isEmpty)
    }
}
