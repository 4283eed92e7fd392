import Commands
import ScriptLanguage
import Testing

// MARK: - Fixtures

/// The variables every expression test sees.
private let scope = ExpressionScope([
    "task": [
        "id": "t-42",
        "status": "succeeded",
        "attempts": 2,
        "labels": ["app.kubernetes.io/name": "runner", "tier": "ci"],
        "steps": ["clone", "build", "test"],
        "result": ["finalResponse": "任务完成：全部通过", "stale": false],
        "owner": nil,
    ],
    "count": 3,
    "ratio": 0.5,
    "name": "Runner",
    "empty": [],
    "nothing": nil,
    "flag": true,
    "index": 1,
    "env": ["NO_PROXY": "localhost,hyueapi.com,.hyueapi.com"],
])

private func parse(_ text: String) throws(ArsError) -> Expression {
    try ExpressionParser.parse(text, at: SourceLocation(file: "t.ars", line: 1, column: 1, lineText: text))
}

private func value(_ text: String) throws -> Value {
    try ExpressionEvaluator.evaluate(try parse(text), in: scope)
}

/// The error from parsing and then evaluating `text`, or nil when there is none.
private func failure(_ text: String) -> ArsError? {
    do {
        _ = try ExpressionEvaluator.evaluate(try parse(text), in: scope)
        return nil
    } catch {
        return error
    }
}

// MARK: - Values

@Suite("Expressions: values and paths")
struct ExpressionValueTests {
    @Test(
        "literals",
        arguments: [
            ("42", Value.int(42)),
            ("-7", .int(-7)),
            ("2.5", .double(2.5)),
            ("1e3", .double(1000)),
            ("true", .bool(true)),
            ("false", .bool(false)),
            ("null", .null),
            (#""plain""#, .string("plain")),
            (#""q\"uote\\ back\nline\ttab""#, .string("q\"uote\\ back\nline\ttab")),
            (#""\u{4E2D}\u{6587}""#, .string("中文")),
            (#""任务完成""#, .string("任务完成")),
            (#"'raw \n ${task.id} "q"'"#, .string(#"raw \n ${task.id} "q""#)),
            (#"[task.id, "b", 1, [true]]"#, .array(["t-42", "b", 1, [true]])),
            ("[]", .array([])),
            ("[1, 2,]", .array([1, 2])),
        ])
    func literals(text: String, expected: Value) throws {
        #expect(try value(text) == expected)
    }

    @Test(
        "paths",
        arguments: [
            ("task.id", Value.string("t-42")),
            ("task.steps[0]", .string("clone")),
            ("task.steps[-1]", .string("test")),
            ("task.steps[index]", .string("build")),
            (#"task.labels["app.kubernetes.io/name"]"#, .string("runner")),
            ("task.result.finalResponse", .string("任务完成：全部通过")),
            ("task.missing", .null),
            ("task.steps[7]", .null),
            (#"task["id"]"#, .string("t-42")),
            ("(task).id", .string("t-42")),
            ("task.labels.tier", .string("ci")),
        ])
    func paths(text: String, expected: Value) throws {
        #expect(try value(text) == expected)
    }

    @Test(
        "functions",
        arguments: [
            (#"len("任务")"#, Value.int(2)),
            ("len(task.steps)", .int(3)),
            ("len(task.labels)", .int(2)),
            ("len(empty)", .int(0)),
            ("lower(name)", .string("runner")),
            ("upper(name)", .string("RUNNER")),
            ("keys(task.labels)", .array(["app.kubernetes.io/name", "tier"])),
            ("string(count)", .string("3")),
            ("string(ratio)", .string("0.5")),
            ("string(flag)", .string("true")),
            ("string(nothing)", .string("")),
            ("string(task.steps)", .string(#"["clone","build","test"]"#)),
            ("int(count)", .int(3)),
            ("int(2.9)", .int(2)),
            ("int(-2.9)", .int(-2)),
            (#"int(" 17 ")"#, .int(17)),
            ("len(keys(task)) > 3", .bool(true)),
        ])
    func functions(text: String, expected: Value) throws {
        #expect(try value(text) == expected)
    }

    @Test("negation of numbers and paths")
    func negation() throws {
        #expect(try value("-count") == .int(-3))
        #expect(try value("-ratio") == .double(-0.5))
        #expect(try value("--2") == .int(2))
    }
}

// MARK: - Operators

@Suite("Expressions: operators")
struct ExpressionOperatorTests {
    @Test(
        "equality is deep and numeric",
        arguments: [
            ("1 == 1.0", true),
            ("[1, 2] == [1.0, 2]", true),
            (#""1" == 1"#, false),
            ("null == null", true),
            ("nothing == null", true),
            ("task.missing == null", true),
            ("task.owner == null", true),
            (#"task.status == "succeeded""#, true),
            (#"task.status != "failed""#, true),
            (#"task.labels == env"#, false),
            (#"task.steps == ["clone", "build", "test"]"#, true),
            (#"task.steps != ["clone", "build"]"#, true),
            ("true == 1", false),
            ("empty == []", true),
        ])
    func equality(text: String, expected: Bool) throws {
        #expect(try value(text) == .bool(expected))
    }

    @Test("object equality ignores key order")
    func objectEquality() throws {
        let scope = ExpressionScope(["a": ["x": 1, "y": [2]], "b": ["y": [2.0], "x": 1], "c": ["x": 1]])
        #expect(try ExpressionEvaluator.evaluate(try parse("a == b"), in: scope) == true)
        #expect(try ExpressionEvaluator.evaluate(try parse("a == c"), in: scope) == false)
    }

    @Test(
        "ordering of numbers and strings",
        arguments: [
            ("1 < 2", true), ("2 < 1", false), ("2 <= 2", true), ("3 > 2", true), ("2 >= 3", false),
            ("ratio < 1", true), ("count > 2.5", true), ("count >= 3.0", true), ("count <= 2.99", false),
            (#""abc" < "abd""#, true), (#""b" > "abc""#, true), (#""任务" >= "任务""#, true),
            ("-1 < 0", true),
        ])
    func ordering(text: String, expected: Bool) throws {
        #expect(try value(text) == .bool(expected))
    }

    @Test(
        "contains, in and matches",
        arguments: [
            (#"task.status contains "cceed""#, true),
            (#"task.status contains """#, true),
            (#"task.steps contains "build""#, true),
            (#"task.steps contains "deploy""#, false),
            (#"[1, 2] contains 2.0"#, true),
            (#"task.labels contains "tier""#, true),
            (#"task.labels contains "ci""#, false),
            (#"env.NO_PROXY contains ".hyueapi.com""#, true),
            (#""build" in task.steps"#, true),
            (#""cceed" in task.status"#, true),
            (#""tier" in task.labels"#, true),
            (#""x" in []"#, false),
            (#"task.result.finalResponse contains "全部""#, true),
            (#""完成" in task.result.finalResponse"#, true),
            (#"task.id matches "^t-[0-9]+$""#, true),
            (#"task.id matches 't-\d+'"#, true),
            (#"task.status matches "^fail""#, false),
            (#"task.result.finalResponse matches "任务.+通过""#, true),
            (#"task.result.finalResponse matches "^[\u{4E00}-\u{9FFF}]+""#, true),
            (#"task.result.finalResponse matches '^\p{Han}{4}：'"#, true),
        ])
    func membership(text: String, expected: Bool) throws {
        #expect(try value(text) == .bool(expected))
    }

    @Test(
        "exists: a path that resolves to a non-null value",
        arguments: [
            ("task exists", true),
            ("task.result.finalResponse exists", true),
            ("task.result.stale exists", true),
            ("task.missing exists", false),
            ("task.owner exists", false),
            ("nothing exists", false),
            ("undefinedVariable exists", false),
            ("undefinedVariable.deeper[0] exists", false),
            ("task.id.deeper exists", false),
            ("task.steps[9] exists", false),
            ("task.steps[-1] exists", true),
            (#"task.steps["x"] exists"#, false),
            ("count exists", true),
        ])
    func exists(text: String, expected: Bool) throws {
        #expect(try value(text) == .bool(expected))
    }

    @Test(
        "and, or, not",
        arguments: [
            ("true and true", true), ("true and false", false), ("false or true", true), ("false or false", false),
            ("not false", true), ("not not flag", true),
            ("flag and task exists", true),
        ])
    func logic(text: String, expected: Bool) throws {
        #expect(try value(text) == .bool(expected))
    }

    @Test("and/or short-circuit: the right side is not evaluated")
    func shortCircuit() throws {
        #expect(try value("false and undefinedVariable") == false)
        #expect(try value("true or undefinedVariable.x > 1") == true)
        #expect(try value("task.owner exists and task.owner.name == \"x\"") == false)
    }

    @Test(
        "precedence, low to high: or, and, not, comparisons, exists, unary minus, paths",
        arguments: [
            ("true or false and false", true),
            ("(true or false) and false", false),
            ("not true or true", true),
            ("not (true or true)", false),
            ("not 1 == 2", true),
            ("not task.missing exists", true),
            (#"task.id exists and task.status == "succeeded""#, true),
            (#"task.attempts == 2 and "build" in task.steps or false"#, true),
            ("-1 < 0 and -count == -3", true),
            ("len(task.steps) == count", true),
            ("not false and false", false),
        ])
    func precedence(text: String, expected: Bool) throws {
        #expect(try value(text) == .bool(expected))
    }

    @Test("the parse tree follows precedence")
    func tree() throws {
        let expression = try parse("a or b and not c == d")
        guard case .logical(.or, let left, let right) = expression.kind,
            case .variable("a") = left.kind,
            case .logical(.and, _, let conjunct) = right.kind,
            case .not(let negated) = conjunct.kind,
            case .comparison(.equal, _, _) = negated.kind
        else {
            Issue.record("unexpected tree: \(expression)")
            return
        }
        #expect(expression.location.column == 3)
    }
}

// MARK: - Strings and interpolation

@Suite("Expressions: interpolation")
struct InterpolationTests {
    @Test(
        "inside double-quoted strings",
        arguments: [
            (#""id=${task.id}""#, "id=t-42"),
            (#""${task.labels["app.kubernetes.io/name"]}-${count}""#, "runner-3"),
            (#""${ "inner \"quoted\" }" }""#, #"inner "quoted" }"#),
            (#""${'}'}""#, "}"),
            (#""outer ${"nested ${task.id}"}""#, "outer nested t-42"),
            (#""$${task.id} and \${task.id}""#, "${task.id} and ${task.id}"),
            (
                #""list=${task.steps} obj=${task.result} null=[${nothing}] ratio=${ratio} flag=${flag}""#,
                #"list=["clone","build","test"] obj={"finalResponse":"任务完成：全部通过","stale":false} null=[] ratio=0.5 flag=true"#
            ),
            (#""结果：${task.result.finalResponse}""#, "结果：任务完成：全部通过"),
            (#""cost $5""#, "cost $5"),
        ])
    func inStrings(text: String, expected: String) throws {
        #expect(try value(text) == .string(expected))
    }

    @Test(
        "in command words",
        arguments: [
            ("--label=${task.id}", "--label=t-42"),
            ("${task.steps[-1]}/${len(task.steps)}", "test/3"),
            ("$${HOME}", "${HOME}"),
            ("$HOME and $", "$HOME and $"),
            (#"${task.labels["app.kubernetes.io/name"]}"#, "runner"),
            (#"${"a}b"}"#, "a}b"),
            ("no interpolation", "no interpolation"),
            ("", ""),
        ])
    func inWords(text: String, expected: String) throws {
        #expect(try Interpolation.expand(text, at: SourceLocation(column: 1), in: scope) == expected)
    }

    @Test("references lists root variables once, in order")
    func references() throws {
        let names = try Interpolation.references(
            in: #"${task.id}-${count}-${task.steps[index]}-${"${name}"}-$${ignored}"#, at: SourceLocation(column: 1))
        #expect(names == ["task", "count", "index", "name"])
    }

    @Test("errors inside ${} point into the word")
    func errorColumns() throws {
        let location = SourceLocation(file: "s.ars", line: 4, column: 10, lineText: "echo --x=${taks.id}")
        do {
            _ = try Interpolation.expand("--x=${taks.id}", at: location, in: scope)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unknownVariable)
            #expect(error.message == "unknown variable 'taks'; did you mean 'task'?")
            #expect(error.location == SourceLocation(file: "s.ars", line: 4, column: 16, lineText: "echo --x=${taks.id}"))
        }
    }

    @Test(
        "malformed interpolation in a word",
        arguments: [
            ("a ${ b", 3, "unterminated '${'"),
            ("a ${  }", 3, "empty '${}'"),
            ("${name + 1}", 8, "unexpected character '+'"),
            (#"${"}"#, 1, "unterminated '${'"),
        ])
    func malformed(text: String, column: Int, message: String) throws {
        let location = SourceLocation(line: 2, column: 1)
        let error = try #require(throws: ArsError.self) { try Interpolation.references(in: text, at: location) }
        #expect(error.message == message)
        #expect(error.location?.column == column)
        #expect(throws: ArsError.self) { try Interpolation.expand(text, at: location, in: scope) }
    }
}

// MARK: - Assertions

@Suite("Expressions: check")
struct ExpressionCheckTests {
    @Test("a comparison reports its sides")
    func comparison() throws {
        let result = try ExpressionEvaluator.check(try parse(#"task.status == "failed""#), in: scope)
        #expect(result.holds == false)
        #expect(result.actual == "succeeded")
        #expect(result.expected == "failed")
        #expect(result.operator == "==")
    }

    @Test(
        "every comparison operator reports left as actual and right as expected",
        arguments: [
            ("count < 2", false, Value.int(3), Value.int(2), "<"),
            ("count >= 2", true, .int(3), .int(2), ">="),
            (#"task.steps contains "build""#, true, .array(["clone", "build", "test"]), .string("build"), "contains"),
            (#""deploy" in task.steps"#, false, .string("deploy"), .array(["clone", "build", "test"]), "in"),
            (#"task.id matches "^t-""#, true, .string("t-42"), .string("^t-"), "matches"),
            ("task.attempts != 2", false, .int(2), .int(2), "!="),
        ])
    func sides(text: String, holds: Bool, actual: Value, expected: Value, op: String) throws {
        let result = try ExpressionEvaluator.check(try parse(text), in: scope)
        #expect(result.holds == holds)
        #expect(result.actual == actual)
        #expect(result.expected == expected)
        #expect(result.operator == op)
    }

    @Test("exists reports the value, or null")
    func exists() throws {
        let present = try ExpressionEvaluator.check(try parse("task.result.finalResponse exists"), in: scope)
        #expect(present.holds && present.actual == "任务完成：全部通过" && present.expected == nil && present.operator == "exists")
        let absent = try ExpressionEvaluator.check(try parse("task.nope exists"), in: scope)
        #expect(!absent.holds && absent.actual == .null && absent.operator == "exists")
    }

    @Test("other expressions report only whether they hold, and must be bools")
    func plain() throws {
        let result = try ExpressionEvaluator.check(try parse(#"flag and count == 3"#), in: scope)
        #expect(result.holds && result.actual == nil && result.expected == nil && result.operator == nil)
        #expect(throws: ArsError.self) { try ExpressionEvaluator.check(try parse("task.id"), in: scope) }
    }

    @Test("referenced variables skip the root of an exists operand")
    func referencedVariables() throws {
        let expression = try parse(#"task.id == name and "${count}" in [ratio, task.x] and maybe.field exists and items[index] exists"#)
        #expect(expression.referencedVariables == ["task", "name", "count", "ratio", "index"])
    }
}

// MARK: - Errors

@Suite("Expressions: errors")
struct ExpressionErrorTests {
    @Test(
        "every error names the problem at its column",
        arguments: [
            // Syntax
            ("", 1, "script-expression", "expected an expression, found the end of the expression"),
            ("task ==", 8, "script-expression", "expected an expression, found the end of the expression"),
            ("task.id task", 9, "script-expression", "unexpected 'task' after the expression"),
            ("a = 1", 3, "script-expression", "unexpected '='"),
            ("!flag", 1, "script-expression", "unexpected '!'"),
            ("flag && flag", 6, "script-expression", "unexpected '&&'"),
            ("flag || flag", 6, "script-expression", "unexpected '||'"),
            ("task # x", 6, "script-expression", "unexpected character '#'"),
            ("(count == 1", 12, "script-expression", "expected ')' to close the '(' at column 1, found the end of the expression"),
            ("task.steps[0", 13, "script-expression", "expected ']' to close the '[' at column 11, found the end of the expression"),
            ("len(count", 10, "script-expression", "expected ')' to close the '(' at column 4, found the end of the expression"),
            ("task.", 6, "script-expression", "expected a field name after '.', found the end of the expression"),
            ("task.0", 6, "script-expression", "expected a field name after '.', found '0'"),
            ("1 < 2 < 3", 7, "script-expression", "comparisons do not chain: '<' after '<'"),
            ("x in y contains z", 8, "script-expression", "comparisons do not chain: 'contains' after 'in'"),
            ("count == and", 10, "script-expression", "expected an expression, found keyword 'and'"),
            (#"  "abc"#, 3, "script-expression", "unterminated string"),
            ("'abc", 1, "script-expression", "unterminated string"),
            (#""a\qb""#, 3, "script-expression", "unknown escape '\\q'"),
            (#""\u{ZZ}""#, 2, "script-expression", "bad unicode escape"),
            (#""a ${task.id""#, 4, "script-expression", "unterminated '${' in string"),
            (#""a ${ }""#, 4, "script-expression", "empty '${}' in string"),
            (#""x ${count ==}""#, 14, "script-expression", "expected an expression, found the end of the expression"),
            ("99999999999999999999", 1, "script-expression", "number '99999999999999999999' is too large"),
            // Functions
            ("size(task)", 1, "unknown-function", "unknown function 'size'"),
            ("lenn(task)", 1, "unknown-function", "unknown function 'lenn'; did you mean 'len'?"),
            ("len(a, b)", 1, "script-expression", "len() takes 1 argument, got 2"),
            ("x == len()", 6, "script-expression", "len() takes 1 argument, got 0"),
            ("len(count)", 1, "script-type", "len() needs a string, list or object, got an int"),
            ("lower(count)", 1, "script-type", "lower() needs a string, got an int"),
            ("upper(task)", 1, "script-type", "upper() needs a string, got an object"),
            ("keys(task.steps)", 1, "script-type", "keys() needs an object, got a list"),
            (#"int("12a")"#, 1, "script-type", #"int() cannot convert string "12a" to int"#),
            ("int(null)", 1, "script-type", "int() needs an int, number or string of digits, got null"),
            // Variables and paths
            ("taks.id", 1, "unknown-variable", "unknown variable 'taks'; did you mean 'task'?"),
            ("count > 1 and zzz", 15, "unknown-variable", "unknown variable 'zzz'"),
            ("task.id.length", 8, "script-type", "cannot read field 'length' of a string"),
            ("task.owner.name", 11, "script-type", "cannot read field 'name' of null"),
            ("count[0]", 6, "script-type", "cannot index into an int"),
            (#"task.steps["a"]"#, 12, "script-type", "a list index must be an int, got a string"),
            ("task.labels[0]", 13, "script-type", "an object key must be a string, got an int"),
            // Operators
            (#"count < "4""#, 7, "script-type", "cannot compare an int with a string using '<'"),
            ("task >= 1", 6, "script-type", "cannot compare an object with an int using '>='"),
            ("null > 1", 6, "script-type", "cannot compare null with an int using '>'"),
            ("task.status contains 1", 13, "script-type", "cannot look for an int in a string"),
            ("1 in task.labels", 3, "script-type", "cannot look for an int among an object's keys"),
            ("count contains 1", 7, "script-type", "'contains' needs a string, list or object on its left, got an int"),
            ("1 in count", 3, "script-type", "'in' needs a string, list or object on its right, got an int"),
            (#"count matches "3""#, 7, "script-type", "'matches' needs a string on its left, got an int"),
            ("task.id matches 3", 9, "script-type", "'matches' needs a regular expression string on its right, got an int"),
            (#"task.id matches "(unclosed""#, 17, "invalid-regex", "invalid regular expression '(unclosed'"),
            (#"task.id matches "任务[""#, 17, "invalid-regex", "invalid regular expression '任务['"),
            (#"task.id matches "${name}(""#, 17, "invalid-regex", "invalid regular expression 'Runner('"),
            ("not count", 5, "script-type", "'not' needs true or false, got an int"),
            ("count and flag", 1, "script-type", "'and' on its left needs true or false, got an int"),
            ("false or name", 10, "script-type", "'or' on its right needs true or false, got a string"),
            (#"-name"#, 1, "script-type", "'-' needs a number, got a string"),
        ])
    func located(text: String, column: Int, code: String, message: String) throws {
        let error = try #require(failure(text))
        #expect(error.kind == .invalidInput)
        #expect(error.code.rawValue == code)
        #expect(error.message == message)
        #expect(error.location?.column == column)
        #expect(error.location?.file == "t.ars")
        #expect(error.location?.lineText == text)
    }

    @Test("a bad regex literal is caught while parsing, before anything runs")
    func regexAtParseTime() {
        #expect(throws: ArsError.self) { try parse(#"x matches "[""#) }
    }

    @Test("columns count from where the expression starts, in characters")
    func offsetColumns() throws {
        let line = #"assert 结果 == "完成" and taks.ok"#
        let location = SourceLocation(file: "demo.ars", line: 12, column: 8, lineText: line)
        let expression = try ExpressionParser.parse(#"结果 == "完成" and taks.ok"#, at: location)
        do {
            _ = try ExpressionEvaluator.evaluate(expression, in: ExpressionScope(["结果": "完成", "task": [:]]))
            Issue.record("expected an error")
        } catch {
            #expect(error.location == SourceLocation(file: "demo.ars", line: 12, column: 23, lineText: line))
            // The caret sits under `taks`: two spaces, the "12 | " gutter, then 26 display columns
            // (each Chinese character is two wide).
            let caret = String(repeating: " ", count: 2 + 5 + 26) + "^"
            #expect(
                ErrorReport.render(error) == """
                    demo.ars:12:23: error[unknown-variable]: unknown variable 'taks'; did you mean 'task'?
                      12 | \(line)
                    \(caret)
                      hint: variables here: task, 结果

                    """)
        }
    }

    @Test("lines after the first take their own text and columns")
    func multiLine() throws {
        let location = SourceLocation(file: "m.ars", line: 5, column: 9, lineText: "let x = (count == 3 and")
        do {
            _ = try ExpressionEvaluator.evaluate(try ExpressionParser.parse("(count == 3 and\n   missing)", at: location), in: scope)
            Issue.record("expected an error")
        } catch {
            #expect(error.location == SourceLocation(file: "m.ars", line: 6, column: 4, lineText: "   missing)"))
        }
    }

    @Test("deep nesting is an error, not a crash")
    func deepNesting() throws {
        let text = String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500)
        #expect(throws: ArsError.self) { try parse(text) }
        let strings = String(repeating: "\"${", count: 200) + "1" + String(repeating: "}\"", count: 200)
        #expect(throws: ArsError.self) { try parse(strings) }
        #expect(try value("((((count))))") == .int(3))
    }
}

// MARK: - Robustness

@Suite("Expressions: robustness")
struct ExpressionRobustnessTests {
    /// Random text from the characters that matter to the lexer never crashes the parser,
    /// the evaluator or interpolation; it either works or throws an `ArsError`.
    @Test("random input is parsed or rejected, never crashes")
    func randomInput() {
        let alphabet = Array(#"ab task.[]()"'${}\ -0129,<=>!&|#和e\nuandotrixsmchl"#)
        var seed: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        for _ in 0..<5_000 {
            let text = String((0..<next(32)).map { _ in alphabet[next(alphabet.count)] })
            let location = SourceLocation(column: 1)
            if let expression = try? ExpressionParser.parse(text, at: location) {
                _ = try? ExpressionEvaluator.check(expression, in: scope)
                _ = expression.referencedVariables
            }
            _ = try? Interpolation.expand(text, at: location, in: scope)
        }
    }
}
