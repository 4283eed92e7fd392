import Foundation

/// The safety gate every write to a cluster or worktree passes: `--dry-run` shows the plan and its id,
/// `--confirm` acts, `--confirm --plan ID` acts only if the world still matches that dry run.
/// Without either flag nothing is read or written and the command is refused (exit 4).
public enum WriteGate {
    public static let options: [Option] = [
        Option.flag("dry-run", "Show the plan and its id; change nothing"),
        Option.flag("confirm", "Carry out the plan"),
        Option("plan", "With --confirm: refuse unless the world still matches this dry run's plan id", valueName: "ID"),
    ]

    public enum Mode: Sendable, Equatable {
        case dryRun
        case confirm(plan: String?)
    }

    /// Checks the flags before anything is sent.
    public static func validate(_ invocation: Invocation) throws(ArsError) {
        let command = commandLine(invocation)
        if invocation.flag("dry-run") && invocation.flag("confirm") {
            throw ArsError.usage("bad-value", "--dry-run and --confirm exclude each other", hint: "look with --dry-run first, then act with --confirm")
        }
        if invocation.option("plan") != nil && !invocation.flag("confirm") {
            throw ArsError.usage("bad-value", "--plan only goes with --confirm", hint: "run '\(command) --dry-run' to get a plan id")
        }
        if let plan = invocation.option("plan"), !isPlanID(plan) {
            throw ArsError.usage(
                "bad-plan", "--plan '\(plan)' is not a plan id: a plan id is 12 hex digits (0-9, a-f); nothing was done",
                hint: "run '\(command) --dry-run' and copy the confirm command it prints")
        }
        if !invocation.flag("dry-run") && !invocation.flag("confirm") {
            throw ArsError(
                .refused, code: "confirm-required", "\(command) changes the cluster or the worktree and needs --confirm; nothing was done",
                hint: "see the plan with '\(command) --dry-run', then run the confirm command it prints")
        }
    }

    /// The command as the user gave it, without the gate's own flags and ready to paste: the
    /// name, every positional (shell-quoted) and `--node`/`--lane` when given, so a hint such as
    /// `worktree create fix-1 --dry-run` keeps the required branch.
    public static func commandLine(_ invocation: Invocation) -> String {
        var words = [invocation.signature.name]
        for positional in invocation.signature.positionals {
            words += invocation.argumentList(positional.name).map(ShellQuote.quote)
        }
        for name in ["node", "lane"] {
            if let value = invocation.option(name) { words += ["--\(name)", ShellQuote.quote(value)] }
        }
        return words.joined(separator: " ")
    }

    public static func mode(_ invocation: Invocation) -> Mode {
        invocation.flag("confirm") ? .confirm(plan: invocation.option("plan")) : .dryRun
    }

    /// A plan id: the first 12 hex digits of the SHA-256 of what the plan rests on (the
    /// resourceVersions of the objects it changes, the commits it read, the reasons it keeps
    /// other objects) and what it decided. Versions of objects that merely churn (a running
    /// pod's status) are left out, so an unchanged plan keeps its id.
    public static func planID(observed: [String], decided: [String]) -> String {
        let text = "observed\n" + observed.sorted().joined(separator: "\n") + "\ndecided\n" + decided.joined(separator: "\n")
        return String(SHA256.hex(text).prefix(12))
    }

    /// True for 12 lower-case hex digits, the shape `planID` returns.
    public static func isPlanID(_ text: String) -> Bool {
        text.utf8.count == 12 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Refuses a confirmed write whose plan id no longer matches.
    public static func check(_ mode: Mode, planID: String, command: String) throws(ArsError) {
        guard case .confirm(let expected?) = mode, expected != planID else { return }
        throw ArsError(
            .refused, code: "plan-changed",
            "the world changed since the dry run: plan \(expected) was shown, the plan now is \(planID); nothing was done",
            hint: "run '\(command) --dry-run' again, check the new plan, and confirm that one")
    }

    /// The exact command that confirms a plan.
    public static func confirmCommand(_ command: String, planID: String) -> String {
        "\(command) --confirm --plan \(planID)"
    }
}
