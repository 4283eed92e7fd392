import Commands
/// The variables visible to an expression.
public struct ExpressionScope: Sendable {
    public var variables: [String: Value]

    public init(_ variables: [String: Value]) { self.variables = variables }
}

/// Evaluates expressions against a scope. Pure: no I/O, no clock.
public enum ExpressionEvaluator {
    /// The value of `expression`; errors carry the location of the node at fault.
    public static func evaluate(_ expression: Expression, in scope: ExpressionScope) throws(ArsError) -> Value {
        let location = expression.location
        switch expression.kind {
        case .literal(let value):
            return value
        case .interpolated(let parts):
            var text = ""
            for part in parts {
                switch part {
                case .text(let literal): text += literal
                case .expression(let inner): text += try evaluate(inner, in: scope).plainText
                }
            }
            return .string(text)
        case .variable, .field, .index:
            return try resolve(expression, in: scope, lenient: false) ?? .null
        case .list(let items):
            var values: [Value] = []
            for item in items { values.append(try evaluate(item, in: scope)) }
            return .array(values)
        case .negate(let operand):
            return try negate(try evaluate(operand, in: scope), at: location)
        case .not(let operand):
            return .bool(!(try truth(of: operand, in: scope, for: "'not'")))
        case .logical(let op, let left, let right):
            let leftHolds = try truth(of: left, in: scope, for: "'\(op.rawValue)' on its left")
            if op == .and, !leftHolds { return false }
            if op == .or, leftHolds { return true }
            return .bool(try truth(of: right, in: scope, for: "'\(op.rawValue)' on its right"))
        case .comparison(let op, let left, let right):
            let holds = try ExpressionOperators.apply(
                op, try evaluate(left, in: scope), try evaluate(right, in: scope), at: location, rightAt: right.location)
            return .bool(holds)
        case .exists(let operand):
            return .bool(!(try resolve(operand, in: scope, lenient: true) ?? .null).isNull)
        case .call(let function, let arguments):
            return try function.apply(to: try evaluate(arguments[0], in: scope), at: location)
        }
    }

    /// For `assert`: the value of the whole expression plus, for a top-level comparison (`==` `!=` `<` `<=` `>` `>=` `contains` `matches` `in`), its left side as `actual` and right side as `expected`; for `exists`, actual = the value or null.
    ///
    /// Anything else must evaluate to a bool and reports no sides.
    public static func check(_ expression: Expression, in scope: ExpressionScope) throws(ArsError) -> (
        holds: Bool, actual: Value?, expected: Value?, operator: String?
    ) {
        switch expression.kind {
        case .comparison(let op, let left, let right):
            let actual = try evaluate(left, in: scope)
            let expected = try evaluate(right, in: scope)
            let holds = try ExpressionOperators.apply(op, actual, expected, at: expression.location, rightAt: right.location)
            return (holds, actual, expected, op.symbol)
        case .exists(let operand):
            let value = try resolve(operand, in: scope, lenient: true) ?? .null
            return (!value.isNull, value, nil, "exists")
        default:
            return (try truth(of: expression, in: scope, for: "a condition"), nil, nil, nil)
        }
    }

    // MARK: - Paths

    /// The value a path (`a`, `a.b`, `a[0]`) leads to. A missing field or index gives null.
    /// Lenient resolution (for `exists`) gives nil where strict resolution throws: an unknown
    /// variable, or a step into something that is not a list or object.
    private static func resolve(_ expression: Expression, in scope: ExpressionScope, lenient: Bool) throws(ArsError) -> Value? {
        let location = expression.location
        switch expression.kind {
        case .variable(let name):
            if let value = scope.variables[name] { return value }
            if lenient { return nil }
            throw unknownVariable(name, in: scope, at: location)
        case .field(let base, let name):
            guard let container = try resolve(base, in: scope, lenient: lenient) else { return nil }
            if case .object(let object) = container { return object[name] ?? .null }
            if lenient { return nil }
            throw ExpressionOperators.typeError("cannot read field '\(name)' of \(container.typeWithArticle)", at: location)
        case .index(let base, let indexExpression):
            guard let container = try resolve(base, in: scope, lenient: lenient) else { return nil }
            let index = try evaluate(indexExpression, in: scope)
            switch (container, index) {
            case (.array(let items), .int(let position)):
                let resolved = position < 0 ? items.count + position : position
                return items.indices.contains(resolved) ? items[resolved] : .null
            case (.object(let object), .string(let key)):
                return object[key] ?? .null
            case _ where lenient:
                return nil
            case (.array, _):
                throw ExpressionOperators.typeError(
                    "a list index must be an int, got \(index.typeWithArticle)", at: indexExpression.location)
            case (.object, _):
                throw ExpressionOperators.typeError(
                    "an object key must be a string, got \(index.typeWithArticle)", at: indexExpression.location)
            default:
                throw ExpressionOperators.typeError(
                    "cannot index into \(container.typeWithArticle)", at: location, hint: "only lists and objects have elements")
            }
        default:
            return try evaluate(expression, in: scope)
        }
    }

    private static func unknownVariable(_ name: String, in scope: ExpressionScope, at location: SourceLocation) -> ArsError {
        let names = scope.variables.keys.sorted()
        let suggestion = Suggestions.closest(to: name, in: names, limit: 1).first.map { "; did you mean '\($0)'?" } ?? ""
        let hint = names.isEmpty ? "no variables are set here" : "variables here: " + names.joined(separator: ", ")
        return .invalidInput(.unknownVariable, "unknown variable '\(name)'\(suggestion)", hint: hint, location: location)
    }

    // MARK: - Scalars

    /// Evaluates an operand that must be a bool; `role` names what needs it, for the message.
    private static func truth(of expression: Expression, in scope: ExpressionScope, for role: String) throws(ArsError) -> Bool {
        let value = try evaluate(expression, in: scope)
        guard case .bool(let holds) = value else {
            throw ExpressionOperators.typeError(
                "\(role) needs true or false, got \(value.typeWithArticle)", at: expression.location,
                hint: "compare it, e.g. x == \"yes\", or test presence with 'exists'")
        }
        return holds
    }

    private static func negate(_ value: Value, at location: SourceLocation) throws(ArsError) -> Value {
        switch value {
        case .int(let number):
            let (negated, overflow) = 0.subtractingReportingOverflow(number)
            if !overflow { return .int(negated) }
            return .double(-Double(number))
        case .double(let number):
            return .double(-number)
        default:
            throw ExpressionOperators.typeError("'-' needs a number, got \(value.typeWithArticle)", at: location)
        }
    }
}
