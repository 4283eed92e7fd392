import CommandModel
import FoundationEssentials

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

    /// The gate's part of a resolve step: checks the flags before anything is sent and returns
    /// the mode. Hints name the command as the user typed it (all its arguments, shell-quoted),
    /// so they can be pasted as they are.
    public static func resolve(_ invocation: Invocation) throws(ArsError) -> Mode {
        let command = typed(invocation)
        if invocation.flag("dry-run") && invocation.flag("confirm") {
            throw ArsError.usage(
                .badValue, "--dry-run and --confirm exclude each other", hint: "look with --dry-run first, then act with --confirm")
        }
        if invocation.option("plan") != nil && !invocation.flag("confirm") {
            throw ArsError.usage(.badValue, "--plan only goes with --confirm", hint: "get a plan id with: \(command) --dry-run")
        }
        if let plan = invocation.option("plan"), !isPlanID(plan) {
            throw ArsError.usage(
                .badPlan,
                "--plan '\(plan)' is not a plan id: a plan id is 12 hex digits (0-9, a-f), as '--dry-run' prints it; nothing was done",
                hint: "copy the confirm command that this prints: \(command) --dry-run")
        }
        if !invocation.flag("dry-run") && !invocation.flag("confirm") {
            throw ArsError(
                .refused, code: .confirmRequired, "\(command) changes the cluster or the worktree and needs --confirm; nothing was done",
                hint: "see the plan, then run the confirm command it prints: \(command) --dry-run")
        }
        return invocation.flag("confirm") ? .confirm(plan: invocation.option("plan")) : .dryRun
    }

    /// The command line as typed, without `--dry-run`, `--confirm` and `--plan ID`, each word
    /// shell-quoted: `worktree create 'x;y'` (never the bare command name without its arguments).
    public static func typed(_ invocation: Invocation) -> String {
        var words: [String] = []
        var skipValue = false
        for word in invocation.words {
            if skipValue {
                skipValue = false
                continue
            }
            if word == "--plan" {
                skipValue = true
                continue
            }
            if ["--dry-run", "--confirm"].contains(word) || word.hasPrefix("--plan=") { continue }
            words.append(word)
        }
        return words.isEmpty ? invocation.signature.name : ShellQuote.join(words)
    }

    /// Whether `text` has a plan id's shape: 12 lower-case hex digits.
    public static func isPlanID(_ text: String) -> Bool {
        text.count == 12 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// A plan id: the first 12 hex digits of the SHA-256 of what the plan rests on (the
    /// resourceVersions of the objects it changes, the commits it read, the reasons it keeps
    /// other objects) and what it decided. Versions of objects that merely churn (a running
    /// pod's status) are left out, so an unchanged plan keeps its id.
    public static func planID(observed: [String], decided: [String]) -> String {
        let text = "observed\n" + observed.sorted().joined(separator: "\n") + "\ndecided\n" + decided.joined(separator: "\n")
        return String(SHA256.hex(text).prefix(12))
    }

    /// Refuses a confirmed write whose plan id no longer matches.
    public static func check(_ mode: Mode, planID: String, command: String) throws(ArsError) {
        guard case .confirm(let expected?) = mode, expected != planID else { return }
        throw ArsError(
            .refused, code: .planChanged,
            "the world changed since the dry run: plan \(expected) was shown, the plan now is \(planID); nothing was done",
            hint: "check the new plan and confirm that one: \(command) --dry-run")
    }

    /// The exact command that confirms a plan.
    public static func confirmCommand(_ command: String, planID: String) -> String {
        "\(command) --confirm --plan \(planID)"
    }
}
