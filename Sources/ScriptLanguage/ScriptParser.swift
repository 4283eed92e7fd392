import Commands
import FoundationEssentials

/// Parses `.ars` text into a `Script`, following `docs/ars-language.md` rule by rule. Every
/// statement keeps its file:line:col; errors point at the offending column.
public struct ScriptParser {
    public let registry: CommandRegistry

    public init(registry: CommandRegistry) { self.registry = registry }

    /// Reads and parses a file; `sourcing` holds the absolute paths being parsed (cycle detection).
    public func parse(file: String, relativeTo directory: String, sourcing: [String] = [], at location: SourceLocation? = nil)
        throws(ArsError) -> Script
    {
        let absolute = URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: directory, isDirectory: true)).standardizedFileURL.path
        if sourcing.contains(absolute) {
            let chain = (sourcing + [absolute]).map { Paths.lastComponent($0) }
            throw ArsError.invalidInput(
                .sourceCycle, "'source \(file)' includes a file that is already being sourced",
                hint: "sourcing chain: " + chain.joined(separator: " → "), location: location)
        }
        // Only regular files: `source /dev/zero` would otherwise read forever.
        let type = (try? FileManager.default.attributesOfItem(atPath: absolute))?[.type] as? FileAttributeType
        if let type, type != .typeRegular {
            throw ArsError.invalidInput(
                .scriptUnreadable, "\(file) is not a regular file", hint: "source and run take .ars files", location: location)
        }
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw ArsError.invalidInput(
                .scriptUnreadable, "cannot read \(file)", hint: "check the path (relative to the including file)", location: location)
        }
        return try parse(text: String(decoding: data, as: UTF8.self), file: file, absolutePath: absolute, sourcing: sourcing + [absolute])
    }

    /// Parses script text.
    public func parse(text: String, file: String, absolutePath: String? = nil, sourcing: [String] = []) throws(ArsError) -> Script {
        let absolute = absolutePath ?? URL(fileURLWithPath: file).standardizedFileURL.path
        var reader = LineReader(text: text, file: file)
        var context = Context(
            file: file, directory: Paths.parent(absolute), sourcing: sourcing.isEmpty ? [absolute] : sourcing)
        let statements = try parseBlock(&reader, context: &context, terminators: [])
        guard reader.pendingTerminator == nil else {
            let line = reader.pendingTerminator!
            throw error("unexpected '\(line.keyword)'", at: line, hint: "no open 'if' or 'for' to close here")
        }
        return Script(file: file, absolutePath: absolute, text: text, statements: statements.statements, params: context.params)
    }

    // MARK: - Blocks

    private struct Context {
        let file: String
        let directory: String
        let sourcing: [String]
        var params: [ScriptParam] = []
        var depth = 0
    }

    private struct Block {
        var statements: [Statement]
        /// The keyword line that ended the block (`else`, `end`), if any.
        var terminator: LogicalLine?
    }

    private func parseBlock(_ reader: inout LineReader, context: inout Context, terminators: Set<String>) throws(ArsError) -> Block {
        var statements: [Statement] = []
        while let line = try reader.next() {
            if terminators.contains(line.keyword) { return Block(statements: statements, terminator: line) }
            if ["else", "end"].contains(line.keyword) {
                reader.pendingTerminator = line
                return Block(statements: statements, terminator: nil)
            }
            statements.append(try parseStatement(line, reader: &reader, context: &context))
        }
        return Block(statements: statements, terminator: nil)
    }

    // MARK: - Statements

    private func parseStatement(_ line: LogicalLine, reader: inout LineReader, context: inout Context) throws(ArsError) -> Statement {
        let location = line.location(atOffset: 0)
        switch line.keyword {
        case "param":
            guard context.depth == 0 else { throw error("'param' must be at the top level of a script", at: line) }
            let (name, rest, restOffset) = try nameAndRest(line, after: "param", requireEquals: false)
            let value = try rest.map { text throws(ArsError) in try ExpressionParser.parse(text, at: line.location(atOffset: restOffset)) }
            let param = ScriptParam(name: name, defaultValue: value, location: location)
            context.params.append(param)
            return Statement(location: location, source: line.text, kind: .param(param))

        case "let":
            let (name, rest, restOffset) = try nameAndRest(line, after: "let", requireEquals: true)
            guard let rest else { throw error("'let \(name) =' needs a value or a command", at: line) }
            if rest.hasPrefix("wait ") {
                return try parseWait(line, bodyOffset: restOffset + 5, bind: name)
            }
            if rest.hasPrefix("try ") {
                let command = try self.command(line, from: restOffset + 4)
                return Statement(location: location, source: line.text, kind: .letCommand(name: name, command: command, isTry: true))
            }
            if startsWithCommand(rest) {
                return Statement(
                    location: location, source: line.text,
                    kind: .letCommand(name: name, command: try command(line, from: restOffset), isTry: false))
            }
            return Statement(
                location: location, source: line.text,
                kind: .letExpression(name: name, expression: try ExpressionParser.parse(rest, at: line.location(atOffset: restOffset))))

        case "assert", "require":
            let body = line.text(after: line.keyword)
            guard !body.text.isEmpty else {
                throw error("'\(line.keyword)' needs an expression", at: line, hint: "e.g. \(line.keyword) t.status == \"succeeded\"")
            }
            let (expressionText, message) = splitMessage(body.text)
            let expression = try ExpressionParser.parse(expressionText, at: line.location(atOffset: body.offset))
            let text = expressionText.trimmingASCIIWhitespace()
            return Statement(
                location: location, source: line.text,
                kind: line.keyword == "assert"
                    ? .assert(expression, text: text, message: message) : .require(expression, text: text, message: message))

        case "wait":
            return try parseWait(line, bodyOffset: line.text(after: "wait").offset, bind: nil)

        case "if":
            let body = line.text(after: "if")
            let condition = try ExpressionParser.parse(body.text, at: line.location(atOffset: body.offset))
            context.depth += 1
            defer { context.depth -= 1 }
            let then = try parseBlock(&reader, context: &context, terminators: ["else", "end"])
            var otherwise: [Statement] = []
            if then.terminator?.keyword == "else" {
                let elseBlock = try parseBlock(&reader, context: &context, terminators: ["end"])
                guard elseBlock.terminator != nil else { throw error("'if' has no matching 'end'", at: line) }
                otherwise = elseBlock.statements
            } else if then.terminator == nil {
                throw error("'if' has no matching 'end'", at: line)
            }
            return Statement(
                location: location, source: line.text, kind: .ifElse(condition: condition, then: then.statements, otherwise: otherwise))

        case "for":
            let body = line.text(after: "for")
            guard let match = body.text.prefixMatch(of: #/([A-Za-z_][A-Za-z0-9_]*)\s+in\s+/#)?.range else {
                throw error("'for' is written: for NAME in EXPR", at: line)
            }
            let name = String(body.text[match].split(separator: " ").first ?? "")
            let listOffset = body.offset + body.text.distance(from: body.text.startIndex, to: match.upperBound)
            let list = try ExpressionParser.parse(String(body.text[match.upperBound...]), at: line.location(atOffset: listOffset))
            context.depth += 1
            defer { context.depth -= 1 }
            let block = try parseBlock(&reader, context: &context, terminators: ["end"])
            guard block.terminator != nil else { throw error("'for' has no matching 'end'", at: line) }
            return Statement(location: location, source: line.text, kind: .forEach(name: name, in: list, body: block.statements))

        case "try":
            return Statement(
                location: location, source: line.text, kind: .tryCommand(try command(line, from: line.text(after: "try").offset)))

        case "source":
            let body = line.text(after: "source")
            let words = try tokens(body.text, line: line, offset: body.offset)
            guard words.count == 1 else { throw error("'source' takes one file", at: line) }
            let script = try parse(file: words[0].text, relativeTo: context.directory, sourcing: context.sourcing, at: location)
            context.params += script.params
            return Statement(location: location, source: line.text, kind: .source(script))

        case "evidence":
            let body = line.text(after: "evidence")
            let words = Tokenizer.tokenizePartial(body.text + " ").words
            guard let title = words.first, title.quoted || !title.text.isEmpty, words.count >= 2 else {
                throw error("'evidence' is written: evidence \"title\" EXPR", at: line)
            }
            let expressionOffset = body.offset + title.end
            let expressionText = String(body.text.dropFirst(title.end))
            return Statement(
                location: location, source: line.text,
                kind: .evidence(
                    title: title.text, try ExpressionParser.parse(expressionText, at: line.location(atOffset: expressionOffset))))

        default:
            return Statement(location: location, source: line.text, kind: .command(try command(line, from: 0)))
        }
    }

    /// `wait COMMAND until EXPR [--timeout D] [--every D]`, starting at `bodyOffset` of the line.
    private func parseWait(_ line: LogicalLine, bodyOffset: Int, bind: String?) throws(ArsError) -> Statement {
        let body = (text: String(line.text.dropFirst(bodyOffset)), offset: bodyOffset)
        guard let until = topLevelRange(of: " until ", in: body.text) else {
            throw error("'wait' needs 'until': wait COMMAND until EXPR [--timeout D] [--every D]", at: line)
        }
        let commandText = String(body.text[..<until.lowerBound])
        var condition = String(body.text[until.upperBound...])
        var timeout = 600.0, every = 5.0
        while let match = condition.firstMatch(of: #/\s*--(timeout|every)(=|\s+)(\S+)\s*$/#)?.range {
            let option = String(condition[match]).trimmingSpaces()
            let parts = option.dropFirst(2).split(whereSeparator: { $0 == "=" || $0 == " " }).map(String.init)
            guard parts.count == 2, let seconds = Durations.parse(parts[1]), seconds > 0 else {
                throw error("'--\(parts.first ?? "")' needs a duration like 30s, 40m or 1h30m", at: line)
            }
            if parts[0] == "timeout" { timeout = seconds } else { every = seconds }
            condition.removeSubrange(match)
        }
        let conditionOffset = body.offset + body.text.distance(from: body.text.startIndex, to: until.upperBound)
        let command = try self.command(line, from: body.offset, text: commandText)
        let expression = try ExpressionParser.parse(condition, at: line.location(atOffset: conditionOffset))
        return Statement(
            location: line.location(atOffset: 0), source: line.text,
            kind: .wait(command, until: expression, timeout: timeout, every: every, bind: bind))
    }

    // MARK: - Pieces

    /// A command from `offset` in the line (or the given text starting there).
    private func command(_ line: LogicalLine, from offset: Int, text: String? = nil) throws(ArsError) -> ScriptCommand {
        let commandText = text ?? String(line.text.dropFirst(offset))
        let words = try tokens(commandText, line: line, offset: offset)
        guard !words.isEmpty else { throw error("expected a command", at: line) }
        return ScriptCommand(
            text: commandText.trimmingASCIIWhitespace(), tokens: words, stdin: line.heredoc,
            interpolatesStdin: line.heredocInterpolates, location: line.location(atOffset: words[0].start),
            tokenLocations: words.map { line.location(atOffset: $0.start) })
    }

    private func tokens(_ text: String, line: LogicalLine, offset: Int) throws(ArsError) -> [Token] {
        do {
            return try Tokenizer.tokenize(text).map { Token($0.text, start: $0.start + offset, end: $0.end + offset, quoted: $0.quoted) }
        } catch {
            var located = error
            located.location = line.location(atOffset: offset + (error.location?.column ?? 1) - 1)
            throw located
        }
    }

    /// Whether text starts with a registered command (or a pasted `agentrun` prefix).
    private func startsWithCommand(_ text: String) -> Bool {
        guard let first = Self.plainFirstWord(text) ?? Tokenizer.tokenizePartial(text + " ").words.first?.text else { return false }
        return first == "agentrun" || first == "bun" || registry.isGroup([first]) || registry.command([first]) != nil
    }

    /// The first word when it is plain — lowercase ASCII letters, digits and `-`, ended by a space,
    /// a tab or the end — as every command name is; nil sends the text through the tokenizer.
    private static func plainFirstWord(_ text: String) -> String? {
        let bytes = text.utf8
        let end = bytes.firstIndex { !((0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D) } ?? bytes.endIndex
        guard end > bytes.startIndex, end == bytes.endIndex || bytes[end] == 0x20 || bytes[end] == 0x09 else { return nil }
        return String(Substring(bytes[..<end]))
    }

    /// `NAME [= REST]` after a keyword; returns the rest and its offset in the line.
    private func nameAndRest(_ line: LogicalLine, after keyword: String, requireEquals: Bool) throws(ArsError) -> (String, String?, Int) {
        let body = line.text(after: keyword)
        // A name: [A-Za-z_][A-Za-z0-9_]* (ASCII, scanned by hand: every let and assert comes here).
        let text = body.text
        let nameEnd =
            text.utf8.firstIndex { byte in
                !(byte == UInt8(ascii: "_") || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || (byte >= 0x30 && byte <= 0x39))
            } ?? text.utf8.endIndex
        guard let first = text.utf8.first, nameEnd > text.startIndex, !(first >= 0x30 && first <= 0x39) else {
            throw error("'\(keyword)' needs a name (letters, digits, _)", at: line)
        }
        let match = text.startIndex..<nameEnd
        let name = String(text[match])
        if ["it"].contains(name) { throw error("'it' is reserved for the value inside 'wait … until'", at: line) }
        let afterName = body.text[match.upperBound...]
        let trimmed = afterName.drop { $0 == " " }
        if trimmed.isEmpty {
            if requireEquals { throw error("'let \(name)' needs '= VALUE'", at: line) }
            return (name, nil, 0)
        }
        guard trimmed.hasPrefix("=") else { throw error("expected '=' after '\(name)'", at: line) }
        let rest = trimmed.dropFirst().drop { $0 == " " }
        let restOffset = body.offset + body.text.distance(from: body.text.startIndex, to: rest.startIndex)
        return (name, rest.isEmpty ? nil : String(rest), restOffset)
    }

    /// Splits `EXPR, "message"` at the last top-level comma followed by a quoted string.
    private func splitMessage(_ text: String) -> (String, String?) {
        guard text.utf8.contains(UInt8(ascii: ",")), let comma = topLevelLastComma(in: text) else { return (text, nil) }
        let tail = text[text.index(after: comma)...].trimmingASCIIWhitespace()
        guard tail.count >= 2, tail.hasPrefix("\""), tail.hasSuffix("\""),
            let words = try? Tokenizer.tokenize(tail), words.count == 1
        else { return (text, nil) }
        return (String(text[..<comma]), words[0].text)
    }

    private func topLevelLastComma(in text: String) -> String.Index? {
        var depth = 0
        var quote: Character?
        var last: String.Index?
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if let open = quote {
                if c == "\\" { index = text.index(after: index) } else if c == open { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if "([{".contains(c) {
                depth += 1
            } else if ")]}".contains(c) {
                depth -= 1
            } else if c == ",", depth == 0 {
                last = index
            }
            if index < text.endIndex { index = text.index(after: index) }
        }
        return last
    }

    /// The first occurrence of `needle` outside quotes.
    private func topLevelRange(of needle: String, in text: String) -> Range<String.Index>? {
        var quote: Character?
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if let open = quote {
                if c == open { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if text[index...].hasPrefix(needle) {
                return index..<text.index(index, offsetBy: needle.count)
            }
            index = text.index(after: index)
        }
        return nil
    }

    private func error(_ message: String, at line: LogicalLine, hint: String? = nil) -> ArsError {
        ArsError.invalidInput(.scriptSyntax, message, hint: hint, location: line.location(atOffset: 0))
    }
}
