import Commands
import FoundationEssentials

/// What the comparison operators mean: deep numeric equality, ordering of numbers or strings,
/// membership, and regular-expression matching.
enum ExpressionOperators {
    /// Applies a comparison; errors sit at the operator, or at the right operand for a bad regex.
    static func apply(
        _ op: ComparisonOperator, _ left: Value, _ right: Value, at location: SourceLocation, rightAt rightLocation: SourceLocation
    ) throws(ArsError) -> Bool {
        switch op {
        case .equal: return equal(left, right)
        case .notEqual: return !equal(left, right)
        case .less, .lessOrEqual, .greater, .greaterOrEqual: return try order(op, left, right, at: location)
        case .contains: return try contains(left, right, op: op, at: location)
        case .in: return try contains(right, left, op: op, at: location)
        case .matches: return try matches(left, right, at: location, patternAt: rightLocation)
        }
    }

    // MARK: - Equality and order

    /// Deep equality in which numbers compare by value (`1 == 1.0`) and object key order does not matter.
    static func equal(_ left: Value, _ right: Value) -> Bool {
        switch (left, right) {
        case (.int(let a), .int(let b)): return a == b
        case (.int, .double), (.double, .int), (.double, .double): return left.doubleValue == right.doubleValue
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { field in b[field.key].map { equal(field.value, $0) } ?? false }
        default: return left == right
        }
    }

    private static func order(_ op: ComparisonOperator, _ left: Value, _ right: Value, at location: SourceLocation) throws(ArsError) -> Bool
    {
        let ascending: Bool, same: Bool
        switch (left, right) {
        case (.int(let a), .int(let b)):
            (ascending, same) = (a < b, a == b)
        case (.string(let a), .string(let b)):
            (ascending, same) = (a < b, a == b)
        default:
            guard let a = left.doubleValue, let b = right.doubleValue else {
                throw typeError(
                    "cannot compare \(left.typeWithArticle) with \(right.typeWithArticle) using '\(op.symbol)'", at: location,
                    hint: "'\(op.symbol)' compares two numbers or two strings; convert with int() or string()")
            }
            (ascending, same) = (a < b, a == b)
        }
        switch op {
        case .less: return ascending
        case .lessOrEqual: return ascending || same
        case .greater: return !ascending && !same
        default: return !ascending
        }
    }

    // MARK: - Membership

    /// Whether `container` holds `element`: a substring of a string, an element of a list, a key of an object.
    private static func contains(_ container: Value, _ element: Value, op: ComparisonOperator, at location: SourceLocation) throws(ArsError)
        -> Bool
    {
        switch (container, element) {
        case (.string(let text), .string(let part)):
            return part.isEmpty || text.contains(part)
        case (.string, _):
            throw typeError("cannot look for \(element.typeWithArticle) in a string", at: location)
        case (.array(let items), _):
            return items.contains { equal($0, element) }
        case (.object(let object), .string(let key)):
            return object[key] != nil
        case (.object, _):
            throw typeError("cannot look for \(element.typeWithArticle) among an object's keys", at: location)
        default:
            let side = op == .in ? "right" : "left"
            throw typeError("'\(op.symbol)' needs a string, list or object on its \(side), got \(container.typeWithArticle)", at: location)
        }
    }

    // MARK: - Regular expressions

    private static func matches(_ left: Value, _ right: Value, at location: SourceLocation, patternAt patternLocation: SourceLocation)
        throws(ArsError) -> Bool
    {
        guard case .string(let text) = left else {
            throw typeError("'matches' needs a string on its left, got \(left.typeWithArticle)", at: location)
        }
        guard case .string(let pattern) = right else {
            throw typeError("'matches' needs a regular expression string on its right, got \(right.typeWithArticle)", at: location)
        }
        let regex = try regex(pattern, at: patternLocation)
        return (try? regex.firstMatch(in: text)) != nil
    }

    /// Compiles a pattern; a bad one is an error at `location` (where the pattern is written).
    static func regex(_ pattern: String, at location: SourceLocation) throws(ArsError) -> Regex<AnyRegexOutput> {
        do {
            return try Regex(pattern)
        } catch {
            throw ArsError.invalidInput(
                .invalidRegex, "invalid regular expression '\(pattern)'", hint: "escape literal ( ) [ ] { } . * + ? with a backslash",
                location: location)
        }
    }

    static func typeError(_ message: String, at location: SourceLocation, hint: String? = nil) -> ArsError {
        .invalidInput(.scriptType, message, hint: hint, location: location)
    }
}

extension Value {
    /// The type name with an article, for messages: "a string", "an int", "null".
    var typeWithArticle: String {
        switch self {
        case .null: "null"
        case .int, .object: "an \(typeName)"
        default: "a \(typeName)"
        }
    }
}
