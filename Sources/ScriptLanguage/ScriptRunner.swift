import Commands
import FoundationEssentials

/// Runs a parsed script against a session and returns a `ScriptResult`. It never prints: every
/// statement, assertion, evidence item and shown output is a `ScriptEvent` that goes into the
/// result and to the reporters (the console, evidence files, JUnit).
public final class ScriptRunner {
    public let session: Session
    /// Who hears the run's events, in order.
    public var reporters: [any ScriptReporter] = []
    /// Sleeps between `wait` attempts (tests make it instant).
    public var sleep: @Sendable (Double) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }

    private var variables: [String: Value] = [:]
    private var result: ScriptResult!

    public init(session: Session) { self.session = session }

    /// Runs `script` with `vars` (`--var k=v`) for its params. Missing required params and
    /// unknown `--var` names fail before any statement runs.
    public func run(_ script: Script, vars: [String: String]) async -> ScriptResult {
        result = ScriptResult(
            script: script, startedAt: session.clock.now(), finishedAt: session.clock.now(), params: [], statements: [], assertions: [],
            evidence: [])
        result.lane = try? session.lane()
        do {
            try bindParams(script, vars: vars)
            try await execute(script.statements)
        } catch let stop as Stop {
            if case .exit(let status) = stop { result.exitRequest = status }
        } catch let check as CheckFailure {
            result.failure = check.error
        } catch {
            result.failure = ErrorReport.normalize(error)
        }
        result.finishedAt = session.clock.now()
        return result
    }

    /// Records an event in the result and hands it to every reporter.
    private func report(_ event: ScriptEvent) {
        switch event {
        case .output: break
        case .statement(let record): result.statements.append(record)
        case .assertion(let record): result.assertions.append(record)
        case .evidence(let item): result.evidence.append(item)
        }
        for reporter in reporters { reporter.report(event) }
    }

    /// Ends the script without an error (`exit`) or after a recorded failure.
    private enum Stop: Error { case exit(Int32), recorded }

    // MARK: - Params

    private func bindParams(_ script: Script, vars: [String: String]) throws(ArsError) {
        let names = script.params.map(\.name)
        for name in vars.keys.sorted() where !names.contains(name) {
            throw ArsError.usage(
                .unknownVar, "--var \(name)=… names no param of \(script.file)",
                hint: Suggestions.hint(for: name, in: names)
                    ?? (names.isEmpty ? "the script declares no params" : "params: \(names.joined(separator: ", "))"))
        }
        for param in script.params {
            let value: Value
            if let given = vars[param.name] {
                value = Self.parseVar(given)
            } else if let defaultValue = param.defaultValue {
                value = try ExpressionEvaluator.evaluate(defaultValue, in: ExpressionScope(variables))
            } else {
                throw ArsError.usage(
                    .missingParam, "the script needs param '\(param.name)'",
                    hint: "pass it with --var \(param.name)=VALUE", location: param.location)
            }
            variables[param.name] = value
            result.params.append((param.name, value))
        }
    }

    /// `--var` text: numbers and booleans become typed values, everything else stays a string.
    static func parseVar(_ text: String) -> Value {
        if let int = Int(text) { return .int(int) }
        if let double = Double(text), text.contains(".") { return .double(double) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        return .string(text)
    }

    // MARK: - Statements

    private func execute(_ statements: [Statement]) async throws {
        for statement in statements {
            try Task.checkCancellation()
            try await execute(statement)
        }
    }

    private func execute(_ statement: Statement) async throws {
        switch statement.kind {
        case .param:
            break  // bound before the first statement
        case .command(let command):
            let output = try await runCommand(command, kind: .command, statement: statement)
            if let exit = output.exitRequest { throw Stop.exit(exit) }
            report(.output(output, outputFormat(command)))
        case .letCommand(let name, let command, let isTry):
            variables[name] =
                isTry
                ? try await tryCommand(command, statement: statement)
                : try await runCommand(command, kind: .binding, statement: statement).value
        case .letExpression(let name, let expression):
            variables[name] = try ExpressionEvaluator.evaluate(expression, in: scope)
        case .assert(let expression, let text, let message), .require(let expression, let text, let message):
            let isRequire: Bool
            if case .require = statement.kind { isRequire = true } else { isRequire = false }
            let outcome = try ExpressionEvaluator.check(expression, in: scope)
            report(
                .assertion(
                    AssertionRecord(
                        location: statement.location, expression: text,
                        message: try message.map { try Interpolation.expand($0, at: statement.location, in: scope) },
                        holds: outcome.holds, actual: outcome.actual, expected: outcome.expected, comparison: outcome.operator,
                        isRequire: isRequire)))
            if isRequire && !outcome.holds {
                result.failure = ArsError(.checkFailed, code: .requireFailed, "require failed: \(text)", location: statement.location)
                throw Stop.recorded
            }
        case .wait(let command, let condition, let timeout, let every, let bind):
            let value = try await wait(command, until: condition, timeout: timeout, every: every, statement: statement)
            if let bind { variables[bind] = value }
        case .ifElse(let condition, let then, let otherwise):
            let value = try ExpressionEvaluator.evaluate(condition, in: scope)
            try await execute(truthy(value) ? then : otherwise)
        case .forEach(let name, let list, let body):
            let value = try ExpressionEvaluator.evaluate(list, in: scope)
            let items: [Value]
            switch value {
            case .array(let array): items = array
            case .object(let object): items = object.keys.map(Value.string)
            case .null: items = []
            default:
                throw ArsError.invalidInput(
                    .scriptType, "'for' needs a list (or an object's keys), got \(value.typeName)", location: statement.location)
            }
            let saved = variables[name]
            defer { variables[name] = saved }
            for item in items {
                variables[name] = item
                try await execute(body)
            }
        case .tryCommand(let command):
            _ = try await tryCommand(command, statement: statement)
        case .source(let script):
            try await execute(script.statements)
        case .evidence(let title, let expression):
            report(
                .evidence(
                    EvidenceItem(title: title, value: try ExpressionEvaluator.evaluate(expression, in: scope), location: statement.location)
                ))
        }
    }

    private var scope: ExpressionScope { ExpressionScope(variables) }

    private func truthy(_ value: Value) -> Bool {
        switch value {
        case .null: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .array(let a): !a.isEmpty
        case .object(let o): !o.isEmpty
        }
    }

    // MARK: - Commands

    /// Interpolates, runs and records one command; a failure is recorded and rethrown.
    private func runCommand(_ command: ScriptCommand, kind: StatementRecord.Kind, statement: Statement, record: Bool = true) async throws
        -> CommandOutput
    {
        let tokens = try interpolated(command)
        let line = Self.logLine(tokens)
        var stdin = command.stdin ?? ""
        if command.interpolatesStdin, command.stdin != nil { stdin = try Interpolation.expand(stdin, at: command.location, in: scope) }
        session.io.stdin = StringSource(stdin)
        let started = session.clock.now()
        do {
            let evaluation = try await Dispatcher(session: session).evaluate(tokens, streaming: false)
            let (invocation, output) = (evaluation.invocation, evaluation.output)
            if let lane = evaluation.lane { result.recordLane(lane) }
            if record {
                report(
                    .statement(
                        StatementRecord(
                            location: statement.location, kind: kind, line: line, status: output.status == 0 ? .ok : .failed,
                            duration: session.clock.now().timeIntervalSince(started), exitCode: output.status,
                            keyFields: Self.keyFields(output.value),
                            failedOutput: output.status == 0 ? Value?.none : output.value)))
            }
            if output.status != 0 {
                // A failed check shows its checks (bound or not) before the script stops, and
                // `try` keeps its value: the evidence says what failed, not only that it did.
                if kind != .command { report(.output(output, invocation.outputFormat)) }
                throw CheckFailure(
                    output: output,
                    error: ArsError(
                        .checkFailed, code: .commandCheckFailed, "'\(line)' reported a failed check (exit \(output.status))",
                        location: statement.location))
            }
            return output
        } catch let error as Stop {
            throw error
        } catch let check as CheckFailure {
            throw check
        } catch {
            var failure = ErrorReport.normalize(error)
            if record {
                report(
                    .statement(
                        StatementRecord(
                            location: statement.location, kind: kind, line: line, status: .failed,
                            duration: session.clock.now().timeIntervalSince(started),
                            exitCode: failure.exitCode, keyFields: .null, error: failure.message)))
            }
            if failure.location == nil || failure.location?.file == nil { failure.location = command.location }
            throw failure
        }
    }

    /// The command's words with `${…}` expanded. A word that begins with `${…}` is a plain
    /// argument whatever its value: a value that starts with `-` never becomes an option the
    /// script did not write.
    private func interpolated(_ command: ScriptCommand) throws(ArsError) -> [Token] {
        try command.tokens.enumerated().map { index, token throws(ArsError) in
            Token(
                try Interpolation.expand(token.text, at: command.tokenLocations[index], in: scope), start: token.start, end: token.end,
                quoted: token.quoted || token.text.hasPrefix("${"))
        }
    }

    /// A command that ran and reported a failed check: its output, and the error that stops
    /// the script unless `try` catches it.
    struct CheckFailure: Error {
        var output: CommandOutput
        var error: ArsError
    }

    /// A command line for the log, after interpolation, quoted where a word needs it.
    static func logLine(_ tokens: [Token]) -> String {
        tokens.map { $0.text.utf8.contains(UInt8(ascii: " ")) || $0.text.isEmpty ? "'\($0.text)'" : $0.text }.joined(separator: " ")
    }

    /// `try COMMAND`: `{ok: true, value}`, or `{ok: false, error: {code, message, exitCode}}`
    /// with the command's `value` too when it ran and reported a failed check.
    private func tryCommand(_ command: ScriptCommand, statement: Statement) async throws -> Value {
        func failed(_ error: ArsError, value: Value, exitCode: Int32) -> Value {
            .object([
                "ok": false, "value": value,
                "error": .object(["code": .string(error.code.rawValue), "message": .string(error.message), "exitCode": .int(Int(exitCode))]
                ),
            ])
        }
        do {
            let output = try await runCommand(command, kind: .attempt, statement: statement)
            return .object(["ok": true, "value": output.value])
        } catch let check as CheckFailure {
            return failed(check.error, value: check.output.value, exitCode: check.output.status)
        } catch let error as ArsError where error.kind != .internal {
            return failed(error, value: .null, exitCode: error.exitCode)
        }
    }

    /// `wait COMMAND until EXPR`: true at once → done; otherwise retries every `every` seconds and
    /// never runs past `timeout`; on timeout the error shows the last observed value.
    @discardableResult
    private func wait(_ command: ScriptCommand, until condition: Expression, timeout: Double, every: Double, statement: Statement)
        async throws -> Value
    {
        let started = session.clock.now()
        var attempts = 0
        var last: (holds: Bool, actual: Value?, expected: Value?, operator: String?) = (false, nil, nil, nil)
        let saved = variables["it"]
        defer { variables["it"] = saved }
        while true {
            attempts += 1
            let output = try await runCommand(command, kind: .wait, statement: statement, record: false)
            variables["it"] = output.value
            last = try ExpressionEvaluator.check(condition, in: scope)
            let elapsed = session.clock.now().timeIntervalSince(started)
            // The log shows the command as it ran (interpolated), then the condition.
            let line =
                "wait " + Self.logLine(try interpolated(command)) + " until "
                + (statement.source.components(separatedBy: " until ").dropFirst().joined(separator: " until "))
            if last.holds {
                report(
                    .statement(
                        StatementRecord(
                            location: statement.location, kind: .wait, line: line, status: .ok, duration: elapsed, exitCode: 0,
                            keyFields: Self.keyFields(output.value), attempts: attempts)))
                return output.value
            }
            let remaining = timeout - elapsed
            if remaining <= 0 {
                let observed = last.actual.map { JSON.encode($0, pretty: false) } ?? "false"
                let failure = ArsError(
                    .checkFailed, code: .waitTimeout,
                    "wait gave up at its \(Durations.format(timeout)) timeout; last observed: \(observed)"
                        + (last.expected.map { ", expected \(JSON.encode($0, pretty: false))" } ?? ""),
                    hint: "raise --timeout, or check the condition", location: statement.location)
                report(
                    .statement(
                        StatementRecord(
                            location: statement.location, kind: .wait, line: line, status: .failed, duration: elapsed, exitCode: 1,
                            keyFields: Self.keyFields(output.value), attempts: attempts, error: failure.message)))
                throw failure
            }
            try await sleep(min(every, remaining))
        }
    }

    private func outputFormat(_ command: ScriptCommand) -> OutputFormat {
        (try? CommandParser(registry: session.registry).parse(command.tokens).outputFormat) ?? .human
    }

    /// A few identifying scalar fields of a value, for statement records.
    static func keyFields(_ value: Value) -> Value {
        guard let object = value.objectValue else {
            switch value {
            case .array(let items): return .object(["count": .int(items.count)])
            case .string(let s): return .string(String(s.prefix(200)))
            default: return value
            }
        }
        var picked = Object()
        for key in ["kind", "id", "name", "status", "phase", "commandId", "runId", "stale", "verdict"] {
            if let field = object[key], !field.isNull, field.objectValue == nil, field.arrayValue == nil { picked[key] = field }
        }
        if let items = object["items"]?.arrayValue { picked["count"] = .int(items.count) }
        return .object(picked)
    }
}
