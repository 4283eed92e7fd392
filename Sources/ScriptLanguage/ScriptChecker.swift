import Commands
/// `ars check`: validates every statement of a parsed script without running anything —
/// command names and flags (against the signatures), params, that every variable is set before
/// it is used, and, given a session, each command's own resolve step for lines whose words are
/// all known before the run (no `${…}`).
public struct ScriptChecker {
    public let registry: CommandRegistry
    /// The session resolve steps read the catalogue and named files from; nil checks grammar only.
    public let session: Session?

    public init(registry: CommandRegistry, session: Session? = nil) {
        self.registry = registry
        self.session = session
    }

    /// Every problem found, in source order.
    public func check(_ script: Script) -> [ArsError] {
        var problems: [ArsError] = []
        var defined = Set(script.params.map(\.name))
        walk(script.statements, defined: &defined, problems: &problems)
        return problems
    }

    private func walk(_ statements: [Statement], defined: inout Set<String>, problems: inout [ArsError]) {
        for statement in statements {
            switch statement.kind {
            case .param(let param):
                if let value = param.defaultValue { use(value, at: param.location, defined: defined, problems: &problems) }
            case .command(let command):
                checkCommand(command, defined: defined, problems: &problems)
            case .tryCommand(let command):
                // `try` is there to catch the command's failure: its grammar is checked, not its resolve step.
                checkCommand(command, resolving: false, defined: defined, problems: &problems)
            case .letCommand(let name, let command, let isTry):
                checkCommand(command, resolving: !isTry, defined: defined, problems: &problems)
                defined.insert(name)
            case .letExpression(let name, let expression):
                use(expression, at: statement.location, defined: defined, problems: &problems)
                defined.insert(name)
            case .assert(let expression, _, let message), .require(let expression, _, let message):
                use(expression, at: statement.location, defined: defined, problems: &problems)
                if let message { interpolated(message, at: statement.location, defined: defined, problems: &problems) }
            case .wait(let command, let condition, _, _, let bind):
                checkCommand(command, defined: defined, problems: &problems)
                use(condition, at: statement.location, defined: defined.union(["it"]), problems: &problems)
                if let bind { defined.insert(bind) }
            case .ifElse(let condition, let then, let otherwise):
                use(condition, at: statement.location, defined: defined, problems: &problems)
                var thenDefined = defined, elseDefined = defined
                walk(then, defined: &thenDefined, problems: &problems)
                walk(otherwise, defined: &elseDefined, problems: &problems)
                // A name set on both branches is set after the `if`.
                defined.formUnion(thenDefined.intersection(elseDefined))
            case .forEach(let name, let list, let body):
                use(list, at: statement.location, defined: defined, problems: &problems)
                var inner = defined.union([name])
                walk(body, defined: &inner, problems: &problems)
            case .source(let script):
                walk(script.statements, defined: &defined, problems: &problems)
            case .evidence(_, let expression):
                use(expression, at: statement.location, defined: defined, problems: &problems)
            }
        }
    }

    private func checkCommand(_ command: ScriptCommand, resolving: Bool = true, defined: Set<String>, problems: inout [ArsError]) {
        var tokens: [Token] = []
        for (index, token) in command.tokens.enumerated() {
            interpolated(token.text, at: command.tokenLocations[index], defined: defined, problems: &problems)
            let text = token.text.contains("${") ? CommandParser.interpolationPlaceholder : token.text
            tokens.append(Token(text, start: token.start, end: token.end, quoted: token.quoted))
        }
        do {
            let invocation = try CommandParser(registry: registry).parse(tokens, line: "")
            if resolving, let session, !command.tokens.contains(where: { $0.text.contains("${") }) {
                resolve(invocation, command, in: session, problems: &problems)
            }
        } catch {
            var located = error
            // Point at the word the parser complained about, in the script.
            let word = tokens.firstIndex { $0.start == (error.location?.column ?? 0) - 1 }
            located.location = word.map { command.tokenLocations[$0] } ?? command.location
            if let hint = error.hint, hint.contains(CommandParser.interpolationPlaceholder) { located.hint = nil }
            problems.append(located)
        }
    }

    /// Runs the command's resolve step (nothing is sent; a heredoc is its stdin). Which lane a
    /// line acts on depends on the `use` lines before it at run time, so a lane or catalogue
    /// problem is reported only when the line names `--node`/`--lane` itself.
    private func resolve(_ invocation: Invocation, _ command: ScriptCommand, in session: Session, problems: inout [ArsError]) {
        guard let resolvable = registry.command(invocation.signature.path), invocation.options["help"] == nil else { return }
        // A left-out task is the one an earlier `use task` sets at run time: not knowable here.
        let positionals = invocation.signature.positionals
        guard !positionals.contains(where: { $0.contextDefault != nil && invocation.arguments[$0.name] == nil }) else { return }
        session.io.stdin = StringSource(command.stdin ?? "")
        do {
            try CommandParser.checkRequired(invocation)
            try resolvable.check(invocation, in: session)
        } catch {
            var problem = ErrorReport.normalize(error)
            let namesLane = invocation.options[Option.node.name] != nil || invocation.options[Option.lane.name] != nil
            let dependsOnContext =
                [ErrorCode.unknownNode, .unknownLane, .laneKeyMissing, .laneKeyInvalid].contains(problem.code)
                || problem.code.rawValue.hasPrefix("config-")
            guard problem.kind == .usage || problem.kind == .invalidInput || problem.kind == .refused, namesLane || !dependsOnContext else {
                return
            }
            if problem.location?.file == nil { problem.location = command.location }
            problems.append(problem)
        }
    }

    private func use(_ expression: Expression, at location: SourceLocation, defined: Set<String>, problems: inout [ArsError]) {
        for name in expression.referencedVariables where !defined.contains(name) {
            problems.append(unknown(name, at: location, defined: defined))
        }
    }

    private func interpolated(_ text: String, at location: SourceLocation, defined: Set<String>, problems: inout [ArsError]) {
        do {
            for name in try Interpolation.references(in: text, at: location) where !defined.contains(name) {
                problems.append(unknown(name, at: location, defined: defined))
            }
        } catch {
            problems.append(error)
        }
    }

    private func unknown(_ name: String, at location: SourceLocation?, defined: Set<String>) -> ArsError {
        ArsError.invalidInput(
            .unknownVariable, "variable '\(name)' is used before it is set",
            hint: Suggestions.hint(for: name, in: Array(defined)) ?? "set it with 'let \(name) = …' or declare 'param \(name)'",
            location: location)
    }
}
