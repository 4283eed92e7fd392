import Foundation
import Testing

/// Every `next:` line and every command quoted in a `hint:` that these runs print is pasted into
/// bash with stub `ars`, `kubectl`, `trans`, `ssh` and `git` first on `PATH`: each line runs one
/// command with the words it shows, and none creates a file or runs a second command.
@Suite("Hints are safe to paste: queue, errors and the sandbox's node")
struct QueueHintPasteTests {
    let sandbox = SandboxServer.shared

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

        // Each line through bash with stub programs first on PATH (HintPasteTests.paste).
        for line in pasted {
            let (calls, created) = try HintPasteTests.paste(line)
            #expect(calls.count <= 1, "'\(line)' ran more than one command: \(calls)")
            if !line.hasPrefix("cd ") { #expect(calls.count == 1, "'\(line)' did not run its command") }
            #expect(created.isEmpty, "'\(line)' created \(created)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
