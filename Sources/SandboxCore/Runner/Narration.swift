/// The simulated assistant's words and tool traffic. Deterministic: the same prompt gives the same
/// text; a prompt with CJK characters is answered in Chinese, quoting it verbatim.
struct Narration: Sendable {
    /// The prompt as the assistant quotes it (directive lines removed).
    let prompt: String
    let chinese: Bool

    init(message: String) {
        let text = Directives(stored: message).text
        prompt = text
        chinese = text.unicodeScalars.contains { Narration.isCJK($0) }
    }

    // MARK: - Assistant messages

    /// The first, non-final assistant message of a turn.
    var commentary: String {
        chinese
            ? "收到：「\(prompt)」。我先核对工作区和资源包，再给出结论。"
            : "Got it: \"\(prompt)\". I will check the workspace and the resource bundles first, then answer."
    }

    /// The final assistant message: answers the prompt, names the checked commit and any steer
    /// messages that reached the turn.
    func finalResponse(bundle: ResourceBundle?, steers: [String]) -> String {
        let workspace = bundle.map { "\(RunnerFacts.normalizedRepo($0.repoUrl))@\($0.commitId.prefix(12)) (\($0.requestedRef))" }
        var lines: [String]
        if chinese {
            lines = ["已完成：「\(prompt)」。"]
            if let workspace { lines.append("- 工作区：\(workspace)，`git status --short` 无改动。") }
            for steer in steers { lines.append("- 已按转向调整：「\(steer)」。") }
            lines.append("结论：沙箱运行器已处理该请求，未发现阻塞项。")
        } else {
            lines = ["Done: \"\(prompt)\"."]
            if let workspace { lines.append("- Workspace: \(workspace); `git status --short` shows no changes.") }
            for steer in steers { lines.append("- Adjusted for the steer: \"\(steer)\".") }
            lines.append("Conclusion: the sandbox runner handled the request and found nothing blocking.")
        }
        return lines.joined(separator: "\n")
    }

    /// The plan the turn announces; `done` steps are completed.
    func plan(done: Int) -> JSONValue {
        let steps =
            chinese
            ? ["核对工作区提交", "检查资源包与技能目录", "给出结论"]
            : ["Check the workspace commit", "Inspect bundles and skill dirs", "Answer"]
        return .array(
            steps.enumerated().map { index, step in
                ["step": .string(step), "status": .string(index < done ? "completed" : index == done ? "in_progress" : "pending")]
            })
    }

    // MARK: - Tools

    /// The shell command of tool call `index` (1 or 2).
    static func toolCommand(_ index: Int, bundle: ResourceBundle?) -> String {
        let workspace = bundle.map(RunnerFacts.workspacePath) ?? "/workspace"
        return index == 1
            ? "git -C \(workspace) rev-parse HEAD"
            : "git -C \(workspace) status --short && ls \(workspace)/.agents/skills"
    }

    /// The output of tool call `index`: the commit for the first; for the second the skill dirs,
    /// or exactly `kib` KiB of numbered lines when asked.
    static func toolOutput(_ index: Int, bundle: ResourceBundle?, kib: Int?) -> String {
        if index == 1 { return (bundle?.commitId ?? StableHash.hex("workspace", length: 40)) + "\n" }
        if let kib {
            // 16 lines of exactly 64 bytes per KiB.
            return (0..<(kib * 16)).map { number in
                let label = String(number + 1)
                let head = "[" + String(repeating: "0", count: max(0, 5 - label.count)) + label + "] sandbox tool output "
                return head + String(repeating: "x", count: 63 - head.utf8.count) + "\n"
            }.joined()
        }
        let dirs = bundle?.skillDirs.compactMap { $0.split(separator: "/").last.map(String.init) } ?? []
        return dirs.map { $0 + "\n" }.joined()
    }

    // MARK: - Language

    private static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F, 0x3000...0x303F, 0xFF00...0xFFEF: true
        default: false
        }
    }
}
