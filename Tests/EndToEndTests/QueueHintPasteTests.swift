import Foundation
import Testing

/// Every `next:` line and every command quoted in a `hint:` that these runs print is pasted into
/// bash with stub `ars`, `kubectl`, `trans`, `ssh` and `git` first on `PATH`: each line runs one
/// command with the words it shows, and none creates a file or runs a second command.
@Suite("Hints are safe to paste: queue, errors and the sandbox's node")
struct QueueHintPasteTests {
    let sandbox = SandboxServer.shared
    static let stubs = ["ars", "kubectl", "trans", "ssh", "git"]

    /// The runnable lines an output offers: `next:` lines whole, and `'…'` commands in `hint:` lines.
    static func pasteables(_ text: String) -> [String] {
        var lines: [String] = []
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("next: ") {
                lines.append(String(line.dropFirst(6)))
            } else if line.hasPrefix("hint: ") {
                for match in line.matches(of: /(?:run|with|rerun|try) '([a-z][^']*)'/) { lines.append(String(match.1)) }
                // The write gate names its command after a colon: "…: worktree create fix-1 --dry-run".
                lines += HintPasteTests.pasteable(String(raw)).filter { !$0.hasPrefix("next") }
            }
        }
        return lines
    }

    @Test("next: and hint: lines run one command each, with the words shown, and create nothing")
    func pasteEveryHint() throws {
        let marker = sandbox.directory + "/pasted-\(UUID().uuidString.prefix(6))"
        let created = try sandbox.ars(["create", "task", "--aipod", "Artificer", "--prompt", "hint paste", "--dispatch", "-o", "json"])
        let id = try #require(created.stdout.jsonField("id"))
        let runs: [[String]] = [
            ["describe", "task/\(id)"], ["get", "tasks", "--limit", "1"], ["get", "task", "t-999999"],
            ["worktree", "create", "fix-1"], ["worktree", "create", "fix-1", "--plan", "0123456789ab"],
            ["worktree", "create", "x;touch${IFS}\(marker)", "--dry-run"], ["worktree", "check"], ["get", "task", "../../admin/faults"],
            ["dispatch"], ["contxt"],
        ]
        var pasted: [String] = []
        for arguments in runs {
            let output = try sandbox.ars(arguments)
            pasted += Self.pasteables(output.stdout + output.stderr)
        }
        #expect(pasted.contains { $0.hasPrefix("events run/") }, "describe offers the run's events: \(pasted)")
        #expect(pasted.contains("worktree create fix-1 --dry-run"), "the confirm hint keeps the branch: \(pasted)")
        #expect(!pasted.contains { $0.hasPrefix("trans ") }, "the sandbox node is local: no trans hint")

        // A folder of stubs that log their name and argv, one line per run.
        let bin = sandbox.directory + "/stubs-\(UUID().uuidString.prefix(6))"
        let work = bin + "-work"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let log = bin + "/argv.log"
        for name in Self.stubs {
            let path = bin + "/" + name
            try
                "#!/bin/sh\nprintf '%s' \"\(name)\" >>\"$ARGV_LOG\"; for a in \"$@\"; do printf ' <%s>' \"$a\" >>\"$ARGV_LOG\"; done; echo >>\"$ARGV_LOG\"\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        for line in pasted {
            let command = Self.stubs.contains(String(line.prefix { $0 != " " })) || line.hasPrefix("cd ") ? line : "ars " + line
            try? FileManager.default.removeItem(atPath: log)
            _ = try runProcess(
                ["/bin/bash", "-c", command], environment: ["PATH": bin + ":/usr/bin:/bin", "ARGV_LOG": log, "HOME": work], directory: work)
            let logged = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let runsLogged = logged.split(separator: "\n")
            #expect(runsLogged.count <= 1, "'\(command)' ran more than one command: \(logged)")
            if !line.hasPrefix("cd ") {
                #expect(runsLogged.count == 1, "'\(command)' did not run its command")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty, "'\(command)' created a file")
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
