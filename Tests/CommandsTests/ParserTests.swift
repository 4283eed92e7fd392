import Commands
import Testing

/// A plugin with signatures that exercise every parser feature.
struct FixturePlugin: CommandPlugin {
    let name = "fixture"

    struct Echoing: Command {
        let signature: CommandSignature
        func resolve(_ invocation: Invocation, in session: Session) throws -> Invocation { invocation }
        func run(_ invocation: Invocation, in session: Session) async throws -> CommandOutput {
            var object = Object()
            object["arguments"] = .object(
                Object(invocation.arguments.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map(Value.string))) }))
            object["options"] = .object(
                Object(invocation.options.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map(Value.string))) }))
            return CommandOutput(.object(object))
        }
    }

    var commands: [any Command] {
        [
            Echoing(
                signature: CommandSignature(
                    "control-plane cleanup-runs", summary: "Delete old PipelineRuns",
                    options: [
                        Option("min-age-minutes", "Minimum age", kind: .int),
                        Option("limit", short: "l", "At most N", kind: .int, default: "200"),
                        Option("every", "Poll interval", kind: .duration),
                        Option("format", "Layout", kind: .choice(["compact", "full"])),
                        Option("label", "Label filter", repeatable: true),
                        .flag("dry-run", "Show the plan"), .flag("confirm", "Really do it"),
                    ])),
            Echoing(
                signature: CommandSignature(
                    "control-plane status", summary: "Status",
                    options: [.node, .lane])),
            Echoing(
                signature: CommandSignature(
                    "result", summary: "Result of a task",
                    positionals: [Positional("target", "task/ID", contextDefault: .task), Positional("extra", "more", optional: true)])),
        ]
    }
}

@Suite("Parser")
struct ParserTests {
    let parser: CommandParser

    init() throws {
        parser = CommandParser(registry: try CommandRegistry(plugins: [BuiltinsPlugin(), FixturePlugin()]))
    }

    @Test("options, flags, attached values, defaults and repeats")
    func options() throws {
        let invocation = try parser.parse(
            line: "control-plane cleanup-runs --min-age-minutes 30 --dry-run -l50 --label a --label=b --every 1h30m")
        #expect(invocation.signature.name == "control-plane cleanup-runs")
        #expect(invocation.intOption("min-age-minutes") == 30)
        #expect(invocation.intOption("limit") == 50)
        #expect(invocation.flag("dry-run"))
        #expect(!invocation.flag("confirm"))
        #expect(invocation.optionList("label") == ["a", "b"])
        #expect(invocation.durationOption("every") == 5400)
        #expect(try parser.parse(line: "control-plane cleanup-runs").intOption("limit") == 200)
        #expect(try parser.parse(line: "context -o yaml").outputFormat == .yaml)
    }

    @Test("runbook lines paste in unchanged: a leading agentrun or bun scripts/cli.ts agentrun is accepted")
    func pastePrefix() throws {
        #expect(
            try parser.parse(line: "bun scripts/cli.ts agentrun control-plane cleanup-runs --min-age-minutes 30 --limit 200 --dry-run")
                .flag("dry-run"))
        #expect(try parser.parse(line: "agentrun context").signature.name == "context")
        #expect(throws: ArsError.self) { try parser.parse(line: "agentrun") }
    }

    @Test(
        "usage errors say what was wrong and suggest the fix",
        arguments: [
            ("contxt", "unknown-command", "unknown command 'contxt'", "did you mean 'context'?"),
            ("control-plane stauts", "unknown-command", "unknown command 'control-plane stauts'", "did you mean 'status'?"),
            ("control-plane", "missing-subcommand", "'control-plane' needs a subcommand", "one of: cleanup-runs, status"),
            (
                "control-plane cleanup-runs --dryrun", "unknown-option", "unknown option '--dryrun' for 'control-plane cleanup-runs'",
                "did you mean '--dry-run'?"
            ),
            ("control-plane cleanup-runs --limit", "missing-value", "'--limit' needs a value (N)", nil),
            ("control-plane cleanup-runs --limit many", "bad-value", "'--limit' needs a whole number, got 'many'", nil),
            (
                "control-plane cleanup-runs --every soon", "bad-value", "'--every' needs a duration, got 'soon'",
                "write it like 30s, 40m, 1h30m or 500ms"
            ),
            (
                "control-plane cleanup-runs --format ful", "bad-choice", "'ful' is not a valid value for '--format'",
                "did you mean 'full'? choose one of: compact, full"
            ),
            ("context -o xml", "bad-choice", "'xml' is not a valid value for '--output'", "choose one of: human, json, yaml"),
            ("control-plane cleanup-runs --confirm=yes", "flag-with-value", "'--confirm' is a flag and takes no value (got 'yes')", nil),
            (
                "control-plane cleanup-runs --min-age-minutes 1 --min-age-minutes 2", "repeated-option",
                "'--min-age-minutes' is given more than once", nil
            ),
            ("context extra", "extra-argument", "unexpected argument 'extra' for 'context'", "usage: context"),
            ("use", "missing-subcommand", "'use' needs a subcommand", "one of: lane, node, task"),
        ])
    func usageErrors(line: String, code: String, message: String, hint: String?) {
        do {
            let invocation = try parser.parse(line: line)
            Issue.record("expected '\(line)' to fail, got \(invocation.signature.name)")
        } catch {
            #expect(error.code.rawValue == code)
            #expect(error.message == message)
            if let hint { #expect(error.hint?.contains(hint) == true, "hint was: \(error.hint ?? "nil")") }
            #expect(error.exitCode == 2)
        }
    }

    @Test("errors point at the offending word")
    func errorColumn() {
        do {
            _ = try parser.parse(line: "control-plane cleanup-runs --bogus")
        } catch {
            #expect(error.location?.column == 28)
            #expect(ErrorReport.render(error).contains("  control-plane cleanup-runs --bogus\n                             ^\n"))
        }
    }

    @Test("quoted words are never options; -- ends options; negative numbers are arguments")
    func quotingAndDashes() throws {
        let quoted = try parser.parse(line: #"echo "--confirm" -- -x -5"#)
        #expect(quoted.argumentList("text") == ["--confirm", "-x", "-5"])
    }

    @Test("--help short-circuits missing arguments")
    func help() throws {
        #expect(try parser.parse(line: "use node --help").flag("help"))
    }

    @Test("missing positionals are reported after the context had its chance, naming 'use task'")
    func missingAfterContext() throws {
        let invocation = try parser.parse(line: "result")
        do {
            try CommandParser.checkRequired(invocation)
            Issue.record("expected missing-argument")
        } catch {
            #expect(error.code == .missingArgument)
            #expect(error.hint?.contains("use task") == true)
        }
    }

    @Test("did-you-mean ranks by edit distance, counting transpositions as one edit")
    func suggestions() {
        #expect(Suggestions.distance("contxt", "context") == 1)
        #expect(Suggestions.distance("stauts", "status") == 1)
        #expect(Suggestions.closest(to: "lan", in: ["lane", "node", "task"]) == ["lane"])
        #expect(Suggestions.closest(to: "zzzzzz", in: ["lane", "node"]).isEmpty)
    }

    @Test("durations", arguments: [("30s", 30.0), ("40m", 2400.0), ("1h30m", 5400.0), ("500ms", 0.5), ("2d", 172800.0), ("15", 15.0)])
    func durations(text: String, seconds: Double) {
        #expect(Durations.parse(text) == seconds)
    }

    @Test("bad durations", arguments: ["", "m", "5x", "1h-3m", "-4s"])
    func badDurations(text: String) {
        #expect(Durations.parse(text) == nil)
    }
}
