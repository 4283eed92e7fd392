import Commands
/// Parses `.ars` expressions by precedence climbing, lowest first:
/// `or` < `and` < `not` < comparisons (`==` `!=` `<` `<=` `>` `>=` `contains` `matches` `in`, which
/// do not chain) < postfix `exists` < unary `-` < paths (`a.b`, `a[0]`) and calls < atoms.
public enum ExpressionParser {
    /// Parses `text`, which starts at `location` (file, line, column of its first character) — errors point at the exact column.
    public static func parse(_ text: String, at location: SourceLocation) throws(ArsError) -> Expression {
        let source = ExpressionSource(text, at: location)
        return try parse(source, range: 0..<source.characters.count, depth: 0)
    }

    /// Parses one range of the source as a whole expression (also used for `${…}` bodies).
    static func parse(_ source: ExpressionSource, range: Range<Int>, depth: Int) throws(ArsError) -> Expression {
        var lexer = ExpressionLexer(source, range: range)
        var parser = Parser(source: source, tokens: try lexer.tokens(), depth: depth)
        return try parser.parseWhole()
    }
}

/// The words that cannot name a variable.
let expressionKeywords: Set<String> = ["and", "or", "not", "contains", "matches", "in", "exists", "true", "false", "null"]

/// The recursive-descent parser over one token list.
private struct Parser {
    /// How deeply brackets, strings and prefix operators may nest before the parser gives up.
    static let maximumDepth = 64

    let source: ExpressionSource
    let tokens: [ExpressionToken]
    var position = 0
    var depth: Int

    init(source: ExpressionSource, tokens: [ExpressionToken], depth: Int) {
        self.source = source
        self.tokens = tokens
        self.depth = depth
    }

    mutating func parseWhole() throws(ArsError) -> Expression {
        let expression = try parseOr()
        guard current.kind == .end else {
            throw source.error("unexpected \(describe(current)) after the expression", at: current.offset)
        }
        return expression
    }

    // MARK: - Logic

    private mutating func parseOr() throws(ArsError) -> Expression {
        var left = try parseAnd()
        while isWord("or") {
            let location = advance()
            left = Expression(.logical(.or, left, try parseAnd()), at: location)
        }
        return left
    }

    private mutating func parseAnd() throws(ArsError) -> Expression {
        var left = try parseNot()
        while isWord("and") {
            let location = advance()
            left = Expression(.logical(.and, left, try parseNot()), at: location)
        }
        return left
    }

    private mutating func parseNot() throws(ArsError) -> Expression {
        guard isWord("not") else { return try parseComparison() }
        let location = advance()
        try enter()
        defer { depth -= 1 }
        return Expression(.not(try parseNot()), at: location)
    }

    // MARK: - Comparisons

    private mutating func parseComparison() throws(ArsError) -> Expression {
        let left = try parseExists()
        guard let op = comparisonOperator() else { return left }
        let location = advance()
        let right = try parseExists()
        if op == .matches, case .literal(.string(let pattern)) = right.kind {
            _ = try ExpressionOperators.regex(pattern, at: right.location)
        }
        if let next = comparisonOperator() {
            throw source.error(
                "comparisons do not chain: '\(next.symbol)' after '\(op.symbol)'", at: current.offset,
                hint: "add parentheses, or join two comparisons with 'and'")
        }
        return Expression(.comparison(op, left, right), at: location)
    }

    private func comparisonOperator() -> ComparisonOperator? {
        switch current.kind {
        case .symbol(let symbol), .word(let symbol): ComparisonOperator(rawValue: symbol)
        default: nil
        }
    }

    private mutating func parseExists() throws(ArsError) -> Expression {
        let operand = try parseNegation()
        guard isWord("exists") else { return operand }
        return Expression(.exists(operand), at: advance())
    }

    private mutating func parseNegation() throws(ArsError) -> Expression {
        guard isSymbol("-") else { return try parsePath() }
        let location = advance()
        try enter()
        defer { depth -= 1 }
        let operand = try parseNegation()
        switch operand.kind {
        case .literal(.int(let number)): return Expression(.literal(.int(-number)), at: location)
        case .literal(.double(let number)): return Expression(.literal(.double(-number)), at: location)
        default: return Expression(.negate(operand), at: location)
        }
    }

    // MARK: - Paths and atoms

    private mutating func parsePath() throws(ArsError) -> Expression {
        var base = try parseAtom()
        while true {
            if isSymbol(".") {
                let location = advance()
                guard case .word(let name) = current.kind else {
                    throw source.error(
                        "expected a field name after '.', found \(describe(current))", at: current.offset,
                        hint: "index lists with [0] and odd keys with [\"key\"]")
                }
                advance()
                base = Expression(.field(base, name), at: location)
            } else if isSymbol("[") {
                let location = advance()
                try enter()
                defer { depth -= 1 }
                let index = try parseOr()
                try expect("]", closing: "[", at: location)
                base = Expression(.index(base, index), at: location)
            } else {
                return base
            }
        }
    }

    private mutating func parseAtom() throws(ArsError) -> Expression {
        let token = current
        let location = source.location(at: token.offset)
        switch token.kind {
        case .integer(let number):
            advance()
            return Expression(.literal(.int(number)), at: location)
        case .decimal(let number):
            advance()
            return Expression(.literal(.double(number)), at: location)
        case .rawString(let text):
            advance()
            return Expression(.literal(.string(text)), at: location)
        case .string(let segments):
            advance()
            return try string(segments, at: location)
        case .word(let word):
            return try wordAtom(word, at: location)
        case .symbol("("):
            advance()
            try enter()
            defer { depth -= 1 }
            let inner = try parseOr()
            try expect(")", closing: "(", at: location)
            return inner
        case .symbol("["):
            advance()
            try enter()
            defer { depth -= 1 }
            let items = try commaList(until: "]", openedAt: location)
            return Expression(.list(items), at: location)
        default:
            throw source.error("expected an expression, found \(describe(token))", at: token.offset)
        }
    }

    private mutating func wordAtom(_ word: String, at location: SourceLocation) throws(ArsError) -> Expression {
        let offset = current.offset
        switch word {
        case "true", "false":
            advance()
            return Expression(.literal(.bool(word == "true")), at: location)
        case "null":
            advance()
            return Expression(.literal(.null), at: location)
        case _ where expressionKeywords.contains(word):
            throw source.error("expected an expression, found keyword '\(word)'", at: offset)
        default:
            advance()
            guard isSymbol("(") else { return Expression(.variable(word), at: location) }
            guard let function = ExpressionFunction(rawValue: word) else {
                let names = ExpressionFunction.allCases.map(\.rawValue)
                let suggestion = Suggestions.closest(to: word, in: names, limit: 1).first.map { "; did you mean '\($0)'?" } ?? ""
                throw source.error(
                    "unknown function '\(word)'\(suggestion)", at: offset, code: .unknownFunction,
                    hint: "functions: " + names.map { "\($0)()" }.joined(separator: ", "))
            }
            let open = advance()
            let arguments = try commaList(until: ")", openedAt: open)
            guard arguments.count == function.arity else {
                throw source.error("\(word)() takes \(function.arity) argument, got \(arguments.count)", at: offset)
            }
            return Expression(.call(function, arguments), at: location)
        }
    }

    /// The parts of a double-quoted string; a string without `${…}` is a plain literal.
    private func string(_ segments: [ExpressionStringSegment], at location: SourceLocation) throws(ArsError) -> Expression {
        if segments.count == 1, case .text(let text) = segments[0] { return Expression(.literal(.string(text)), at: location) }
        var parts: [Expression.Part] = []
        for segment in segments {
            switch segment {
            case .text(let text): parts.append(.text(text))
            case .interpolation(let range):
                guard depth < Self.maximumDepth else { throw source.error("expression nests too deeply", at: range.lowerBound) }
                guard source.characters[range].contains(where: { !$0.isWhitespace }) else {
                    throw source.error(
                        "empty '${}' in string", at: range.lowerBound - 2, hint: "put an expression inside, or write $${ for a literal ${")
                }
                parts.append(.expression(try ExpressionParser.parse(source, range: range, depth: depth + 1)))
            }
        }
        return Expression(.interpolated(parts), at: location)
    }

    /// Comma-separated expressions up to the closing symbol (a trailing comma is allowed).
    private mutating func commaList(until closing: String, openedAt location: SourceLocation) throws(ArsError) -> [Expression] {
        var items: [Expression] = []
        while !isSymbol(closing) {
            items.append(try parseOr())
            guard isSymbol(",") else { break }
            advance()
        }
        try expect(closing, closing: closing == "]" ? "[" : "(", at: location)
        return items
    }

    // MARK: - ExpressionToken helpers

    private var current: ExpressionToken { tokens[position] }

    private func isWord(_ word: String) -> Bool { current.kind == .word(word) }
    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    /// Moves past the current token and returns its location.
    @discardableResult
    private mutating func advance() -> SourceLocation {
        let location = source.location(at: current.offset)
        if position < tokens.count - 1 { position += 1 }
        return location
    }

    private mutating func expect(_ symbol: String, closing open: String, at location: SourceLocation) throws(ArsError) {
        guard isSymbol(symbol) else {
            throw source.error(
                "expected '\(symbol)' to close the '\(open)' at column \(location.column), found \(describe(current))",
                at: current.offset)
        }
        advance()
    }

    /// Counts one more level of nesting; the caller undoes it with `defer { depth -= 1 }`.
    private mutating func enter() throws(ArsError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw source.error("expression nests too deeply", at: current.offset) }
    }

    private func describe(_ token: ExpressionToken) -> String {
        switch token.kind {
        case .word(let word): expressionKeywords.contains(word) ? "keyword '\(word)'" : "'\(word)'"
        case .integer(let number): "'\(number)'"
        case .decimal(let number): "'\(number)'"
        case .string, .rawString: "a string"
        case .symbol(let symbol): "'\(symbol)'"
        case .end: "the end of the expression"
        }
    }
}
