import Commands
/// `${expr}` interpolation in command words, heredocs and strings.
public enum Interpolation {
    /// Expands `${expr}` in a command word or string; `$${` is a literal `${`. Values render as: strings as is, numbers/bools literally, null as empty, lists/objects as compact JSON.
    public static func expand(_ text: String, at location: SourceLocation, in scope: ExpressionScope) throws(ArsError) -> String {
        // Without a `$` there is nothing to expand (most words of most commands).
        guard text.utf8.contains(UInt8(ascii: "$")) else { return text }
        var expanded = ""
        for part in try parts(of: text, at: location) {
            switch part {
            case .text(let literal): expanded += literal
            case .expression(let expression): expanded += try ExpressionEvaluator.evaluate(expression, in: scope).plainText
            }
        }
        return expanded
    }

    /// The variable names an interpolated text refers to (for `ars check`, which validates variable use without running).
    public static func references(in text: String, at location: SourceLocation) throws(ArsError) -> [String] {
        var names: [String] = []
        for case .expression(let expression) in try parts(of: text, at: location) {
            for name in expression.referencedVariables where !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// Splits text into literal runs and parsed `${…}` expressions, each located at its own column.
    public static func parts(of text: String, at location: SourceLocation) throws(ArsError) -> [Expression.Part] {
        let source = ExpressionSource(text, at: location)
        let chars = source.characters
        var parts: [Expression.Part] = []
        var literal = ""
        var index = 0
        while index < chars.count {
            if chars[index] == "$", index + 2 < chars.count, chars[index + 1] == "$", chars[index + 2] == "{" {
                literal += "${"
                index += 3
            } else if chars[index] == "$", index + 1 < chars.count, chars[index + 1] == "{" {
                guard let close = InterpolationScanner.closingBrace(in: chars, from: index + 2, end: chars.count) else {
                    throw source.error("unterminated '${'", at: index, hint: "close it with '}', or write $${ for a literal ${")
                }
                guard chars[(index + 2)..<close].contains(where: { !$0.isWhitespace }) else {
                    throw source.error("empty '${}'", at: index, hint: "put an expression inside, or write $${ for a literal ${")
                }
                if !literal.isEmpty { parts.append(.text(literal)) }
                literal = ""
                parts.append(.expression(try ExpressionParser.parse(source, range: (index + 2)..<close, depth: 0)))
                index = close + 1
            } else {
                literal.append(chars[index])
                index += 1
            }
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        return parts
    }
}

// MARK: - Scanning

/// Finds where a `${…}` body ends, stepping over quoted strings (which may hold `}` and nested `${…}`).
enum InterpolationScanner {
    /// The offset of the `}` that closes a body starting at `start`, or nil when there is none before `end`.
    static func closingBrace(in chars: [Character], from start: Int, end: Int) -> Int? {
        var index = start
        var depth = 0
        while index < end {
            switch chars[index] {
            case "}" where depth == 0: return index
            case "}": depth -= 1
            case "{": depth += 1
            case "'":
                guard let close = chars[(index + 1)..<end].firstIndex(of: "'") else { return nil }
                index = close
            case "\"":
                guard let close = closingQuote(in: chars, from: index + 1, end: end) else { return nil }
                index = close
            default: break
            }
            index += 1
        }
        return nil
    }

    /// The offset of the `"` that closes a double-quoted string whose text starts at `start`.
    private static func closingQuote(in chars: [Character], from start: Int, end: Int) -> Int? {
        var index = start
        while index < end {
            switch chars[index] {
            case "\"": return index
            case "\\": index += 1
            case "$" where index + 1 < end && chars[index + 1] == "$": index += 1
            case "$" where index + 1 < end && chars[index + 1] == "{":
                guard let close = closingBrace(in: chars, from: index + 2, end: end) else { return nil }
                index = close
            default: break
            }
            index += 1
        }
        return nil
    }
}
