import Commands
import Foundation
import Testing

/// Operators paste `next:` lines and the commands in hints into their shells. Every one the
/// shell prints — after hostile input (a branch name with `;` and `${IFS}`) and on the normal
/// paths — is run through bash with stubs of ars, kubectl, git, ssh and trans first on PATH:
/// each runs exactly one program with its words intact, and none creates a file.
@Suite(.serialized) struct HintPasteTests {
    /// Refused by the branch grammar before anything runs — the hints around the refusal are
    /// pasted too.
    static let hostileBranch = "x;touch${IFS}pwned;echo"

    /// The `next:` lines of an output, and the commands that hints give after a colon.
    static func pasteable(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("next: ") { return String(trimmed.dropFirst("next: ".count)) }
            if trimmed.hasPrefix("hint: "), let colon = trimmed.range(of: ": ", options: .backwards),
                trimmed[colon.upperBound...].contains(" --") || trimmed[colon.upperBound...].hasPrefix("control-plane")
            {
                return String(trimmed[colon.upperBound...])
            }
            return nil
        }
    }

    /// Runs one pasted line in a fresh folder with stub programs; returns what the stubs saw and
    /// the files that appeared.
    static func paste(_ line: String) throws -> (calls: [String], created: [String]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ars-paste-\(UUID().uuidString.prefix(8))").path
        let bin = folder + "/bin"
        let work = folder + "/work"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for program in ["ars", "kubectl", "git", "ssh", "trans"] {
            let stub = bin + "/" + program
            try
                "#!/bin/sh\nprintf '%s' \"\(program)\" >> '\(folder)/calls'; for a; do printf ' [%s]' \"$a\" >> '\(folder)/calls'; done; echo >> '\(folder)/calls'\n"
                .write(toFile: stub, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stub)
        }
        let known = ["ars ", "kubectl ", "git ", "ssh ", "trans ", "cd "]
        let command = known.contains(where: line.hasPrefix) ? line : "ars " + line
        _ = try runProcess(["/bin/bash", "-c", command], environment: ["PATH": bin, "HOME": folder], directory: work)
        let calls = ((try? String(contentsOfFile: folder + "/calls", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        let created =
            (try FileManager.default.contentsOfDirectory(atPath: work))
            + (try FileManager.default.contentsOfDirectory(atPath: folder)).filter { !["bin", "work", "calls"].contains($0) }
        return (calls, created)
    }

    @Test("every next: line and hint command, after hostile input and on the normal paths, runs one program and creates nothing")
    func hintsAreSafeToPaste() throws {
        let lane = try ClusterLane()
        var outputs: [String] = []
        for words in [
            ["worktree", "create", Self.hostileBranch], ["worktree", "create", Self.hostileBranch, "--dry-run"],
            ["worktree", "create", Self.hostileBranch, "--confirm"],
            ["worktree", "create", Self.hostileBranch, "--confirm", "--plan", "zz"],
            ["control-plane", "status"], ["control-plane", "cleanup-runs", "--dry-run"], ["control-plane", "cleanup-runs"],
            ["control-plane", "cleanup-released-pvs", "--dry-run"], ["control-plane", "refresh", "--dry-run"],
            ["control-plane", "trigger-current", "--dry-run"], ["worktree", "check"],
            ["create", "task", "--aipod", "Artificer", "--prompt", "paste", "--dispatch"],
        ] {
            let result = try lane.ars(words)
            outputs.append(result.stdout + "\n" + result.stderr)
        }
        let lines = outputs.flatMap(Self.pasteable)
        #expect(lines.count >= 12, "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("trans ") }, "a local node's hints never suggest trans: \(lines)")
        for line in lines {
            let (calls, created) = try Self.paste(line)
            #expect(created.isEmpty, "pasting `\(line)` created \(created)")
            #expect(calls.count <= 1, "pasting `\(line)` ran \(calls)")
            if line.contains("x;touch"), let call = calls.first, call.hasPrefix("ars ") {
                #expect(call.contains("[\(Self.hostileBranch)]"), "the branch reached \(call) as one word")
            }
        }
        // The worktree create hint keeps its branch: the dry run it suggests is the same command.
        let refused = try lane.ars(["worktree", "create", "fix-egress"])
        #expect(refused.stderr.contains("worktree create fix-egress --dry-run"), "\(refused.stderr)")
        #expect(try lane.ars(["worktree", "create", Self.hostileBranch]).stderr.contains("error[bad-branch]"))
    }
}
