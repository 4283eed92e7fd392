import Commands
import FoundationEssentials

/// The fixed source worktree's preflight and the task worktrees made from it.
public struct WorktreePlugin: CommandPlugin {
    public init() {}

    public let name = "worktree"

    public var commands: [any Command] { [WorktreeCheckCommand(), WorktreeCreateCommand()] }
}

/// `worktree check`: the runbook's preflight (`pwd; git status --short --branch; git remote -v`)
/// with one pass/fail line per expectation.
struct WorktreeCheckCommand: Command {
    let signature = CommandSignature(
        "worktree check", summary: "Check the lane's fixed source worktree: path, branch tracking origin, origin URL, clean",
        discussion:
            "Runs the runbook's preflight in the fixed source worktree on the lane's node through its bridge. Exit 0 when all four checks pass, 1 when one fails.",
        options: [.node, .lane],
        examples: [Example("worktree check", "Preflight of G14:/root/agentrun-v01")])

    /// The lane and its fixed source worktree, read from the catalogue.
    struct Options: LaneScoped {
        let lane: LaneSettings
        let worktree: SourceWorktree
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        let lane = try invocation.lane(in: session)
        return Options(lane: lane, worktree: try SourceWorktree(lane: lane))
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let (lane, worktree) = (options.lane, options.worktree)
        let node = try NodeClient(session: session, lane: lane)
        let preflight = try await worktree.preflight(node)
        let value = Value.object([
            "apiVersion": "ars/v1", "kind": "WorktreeCheck", "lane": .string(lane.qualifiedName),
            "path": .string(worktree.path), "ok": .bool(preflight.ok),
            "checks": .array(
                preflight.checks.map { check in
                    .object([
                        "name": .string(check.name), "ok": .bool(check.ok), "expected": .string(check.expected),
                        "found": .string(check.found),
                    ])
                }),
            "changes": .array(preflight.changes.map(Value.string)),
        ])
        let location = "\(lane.node):\(worktree.path)"
        var blocks: [HumanBlock] = [
            .summary(
                preflight.ok
                    ? "\(location) is ready: \(preflight.branchDescription), clean"
                    : "\(location) is not ready: " + preflight.failures.map(\.name).joined(separator: ", ") + " failed"),
            .table(
                Table(
                    columns: [.init("CHECK"), .init(""), .init("EXPECTED"), .init("FOUND")],
                    rows: preflight.checks.map { [$0.name, $0.ok ? "✓" : "✗", $0.expected, $0.found] })),
        ]
        if !preflight.ok {
            blocks.append(.text("fix the fixed worktree before any other work; never use another checkout as the source truth"))
        }
        let flags = "--node \(ShellQuote.quote(lane.node)) --lane \(ShellQuote.quote(lane.name))"
        blocks.append(
            .next(
                preflight.ok
                    ? ["worktree create BRANCH \(flags) --dry-run", "control-plane status \(flags)"]
                    : [node.bridge.commandLine(for: .script(SourceWorktree.preflightScript, in: worktree.path), node: lane.node)]))
        return CommandOutput(value, human: blocks, status: preflight.ok ? 0 : 1)
    }
}

/// `worktree create BRANCH`: a task worktree `.worktree/BRANCH` from the latest `origin/<branch>`.
struct WorktreeCreateCommand: Command {
    let signature = CommandSignature(
        "worktree create", summary: "Create .worktree/BRANCH in the fixed source worktree from the latest origin branch",
        discussion:
            "Refuses (exit 4) when the fixed worktree fails its preflight, or when the branch or folder exists. --dry-run shows the plan and its id (origin's latest commit read with git ls-remote, nothing fetched); --confirm fetches and runs git worktree add -b BRANCH .worktree/BRANCH origin/<branch>; --confirm --plan ID refuses if origin moved since the dry run.",
        positionals: [Positional("branch", "Name of the task branch (and folder under .worktree/)")],
        options: [.node, .lane] + WriteGate.options,
        examples: [Example("worktree create fix-egress-check --confirm", "Start work on a task branch")])

    struct Options: LaneScoped {
        let lane: LaneSettings
        let worktree: SourceWorktree
        let branch: String
        let mode: WriteGate.Mode
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        let branch = invocation.argument("branch") ?? ""
        if let problem = Self.branchProblem(branch) {
            throw ArsError.usage(
                .badBranch, "'\(branch)' cannot be a branch name: \(problem)", hint: "use letters, digits, '-', '_', '.' and '/'")
        }
        let mode = try WriteGate.resolve(invocation)
        let lane = try invocation.lane(in: session)
        return Options(lane: lane, worktree: try SourceWorktree(lane: lane), branch: branch, mode: mode)
    }

    /// Why a name is not a safe branch and folder name (git check-ref-format's rules, and no
    /// leading dash so it is never read as an option), or nil.
    static func branchProblem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.hasPrefix("-") { return "it starts with '-'" }
        if name.hasPrefix("/") || name.hasSuffix("/") || name.contains("//") { return "slashes must separate non-empty parts" }
        if name.contains("..") || name.contains("@{") || name.hasSuffix(".lock") || name.hasSuffix(".") {
            return "git does not allow '..', '@{', a '.lock' or '.' ending"
        }
        if name.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { return "a part starts with '.'" }
        // Narrower than git: the name becomes a folder, a git argument and part of the printed
        // confirm command, so only letters, digits, '-', '_', '.' and '/' (as the hint says).
        if let bad = name.unicodeScalars.first(where: { !isBranchScalar($0) }) {
            return "it contains \(bad.value < 0x21 || (0x7f...0x9f).contains(bad.value) ? "a space or control character" : "'\(bad)'")"
        }
        return nil
    }

    private static func isBranchScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", "/": true
        default: false
        }
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let (lane, worktree, branch, mode) = (options.lane, options.worktree, options.branch, options.mode)
        let node = try NodeClient(session: session, lane: lane)
        let folder = ".worktree/\(branch)"
        let preflight = try await worktree.preflight(node)
        guard preflight.ok else { throw preflight.notReady(node: lane.node, path: worktree.path, laneFlags: "") }
        let probe = try await node.script(
            "git ls-remote origin " + ShellQuote.quote("refs/heads/\(worktree.branch)")
                + "; if git show-ref --verify --quiet " + ShellQuote.quote("refs/heads/\(branch)") + "; then echo branch-exists; fi"
                + "; if [ -e " + ShellQuote.quote(folder) + " ]; then echo folder-exists; fi",
            in: worktree.path)
        let lines = probe.stdoutText.split(separator: "\n").map(String.init)
        guard let base = lines.first?.split(separator: "\t").first.map(String.init), base.count == 40 else {
            throw ArsError(
                .remote, code: .originUnreadable,
                "cannot read \(worktree.upstream) from \(lane.node):\(worktree.path): \(NodeExchange.tail(probe.stderrText, lines: 2))")
        }
        if lines.contains("branch-exists") || lines.contains("folder-exists") {
            throw ArsError(
                .refused, code: .worktreeExists,
                lines.contains("folder-exists")
                    ? "\(worktree.path)/\(folder) already exists" : "branch \(branch) already exists in \(worktree.path)",
                hint: "pick another branch name, or continue in the existing worktree")
        }
        let path = "\(worktree.path)/\(folder)"
        let command =
            "\(signature.name) \(ShellQuote.quote(branch)) --node \(ShellQuote.quote(lane.node)) --lane \(ShellQuote.quote(lane.name))"
        let planID = WriteGate.planID(observed: ["origin \(worktree.upstream)=\(base)"], decided: ["worktree add -b \(branch) \(folder)"])
        try WriteGate.check(mode, planID: planID, command: command)
        var value = Value.object([
            "apiVersion": "ars/v1", "kind": mode == .dryRun ? "WorktreePlan" : "WorktreeCreated", "lane": .string(lane.qualifiedName),
            "branch": .string(branch), "path": .string(path), "base": .string(worktree.upstream), "baseCommit": .string(base),
            "dryRun": .bool(mode == .dryRun), "planId": .string(planID),
        ])
        if mode == .dryRun {
            let confirm = WriteGate.confirmCommand(command, planID: planID)
            return CommandOutput(
                value.setting("confirm", .string(confirm)),
                human: [
                    .summary(
                        "would create \(lane.node):\(path) on new branch \(branch) from \(worktree.upstream) (\(base.prefix(7)) at origin now)"
                    ),
                    .fields([("plan", planID)]),
                    .next([confirm]),
                ])
        }
        // Task worktrees live inside the fixed one: keep them out of its status (locally, when
        // the repository does not ignore .worktree/ already).
        let script =
            "git check-ignore -q .worktree/x || { f=\"$(git rev-parse --git-path info/exclude)\"; mkdir -p \"$(dirname \"$f\")\" && echo '/.worktree/' >> \"$f\"; }"
            + " && git fetch --quiet origin " + ShellQuote.quote(worktree.branch)
            + " && git worktree add --quiet -b " + ShellQuote.quote(branch) + " " + ShellQuote.quote(folder) + " "
            + ShellQuote.quote(worktree.upstream)
            + " && git -C " + ShellQuote.quote(folder) + " rev-parse HEAD"
        let result = try await node.script(script, in: worktree.path)
        guard result.succeeded else { throw node.failure(.script(script, in: worktree.path), result) }
        let head = result.stdoutText.trimmingWhitespace()
        value = value.setting("commit", .string(head))
        return CommandOutput(
            value,
            human: [
                .summary("created \(lane.node):\(path) on branch \(branch) at \(head.prefix(7)) (\(worktree.upstream))"),
                // How to look at it by hand, through the node's own bridge, quoted for a shell.
                .next([node.bridge.commandLine(for: .script("git status --short --branch", in: path), node: lane.node)]),
            ])
    }
}
