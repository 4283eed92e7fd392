import Commands
/// An expression of the `.ars` language, with a source location on every node.
///
/// Binary operators, field reads, indexes, calls and `exists` sit at their operator (so errors
/// point at `==`, `.name`, `[`, `len` or `exists`); everything else sits at its first character.
public struct Expression: Sendable, Equatable {
    /// What kind of node this is.
    public indirect enum Kind: Sendable, Equatable {
        /// A constant: a number, `true`, `false`, `null`, or a string without `${…}`.
        case literal(Value)
        /// A double-quoted string with `${…}` parts.
        case interpolated([Part])
        /// A variable from the scope: `task`.
        case variable(String)
        /// A field of an object: `task.status`.
        case field(Expression, String)
        /// An element of a list or a field of an object: `items[0]`, `items[-1]`, `labels["a.b"]`.
        case index(Expression, Expression)
        /// A list literal: `[a, "b", 1]`.
        case list([Expression])
        /// Arithmetic negation: `-x`.
        case negate(Expression)
        /// Logical negation: `not x`.
        case not(Expression)
        /// `a and b`, `a or b` (short-circuiting).
        case logical(LogicalOperator, Expression, Expression)
        /// A comparison: `a == b`, `items contains x`, `s matches "re"`, `x in items`.
        case comparison(ComparisonOperator, Expression, Expression)
        /// `x exists`: true when `x` resolves to a non-null value.
        case exists(Expression)
        /// A built-in function call: `len(items)`.
        case call(ExpressionFunction, [Expression])
    }

    /// A piece of an interpolated string.
    public enum Part: Sendable, Equatable {
        case text(String)
        case expression(Expression)
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

// MARK: - Operators

/// `and` and `or`.
public enum LogicalOperator: String, Sendable, Equatable, CaseIterable {
    case and
    case or
}

/// The comparison operators; they share one precedence level and do not chain.
public enum ComparisonOperator: String, Sendable, Equatable, CaseIterable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case contains
    case matches
    case `in`

    /// How the operator is written in a script.
    public var symbol: String { rawValue }
}

// MARK: - Referenced variables

extension Expression {
    /// Root variable names the expression reads, in order of first use (for `ars check`).
    ///
    /// The root of an `exists` operand is left out: a missing variable there is not an error.
    public var referencedVariables: [String] {
        var names: [String] = []
        collectVariables(into: &names, underExists: false)
        return names
    }

    private func collectVariables(into names: inout [String], underExists: Bool) {
        switch kind {
        case .literal: break
        case .variable(let name):
            if !underExists, !names.contains(name) { names.append(name) }
        case .interpolated(let parts):
            for case .expression(let part) in parts { part.collectVariables(into: &names, underExists: false) }
        case .field(let base, _):
            base.collectVariables(into: &names, underExists: underExists)
        case .index(let base, let index):
            base.collectVariables(into: &names, underExists: underExists)
            index.collectVariables(into: &names, underExists: false)
        case .list(let items), .call(_, let items):
            for item in items { item.collectVariables(into: &names, underExists: false) }
        case .negate(let operand), .not(let operand):
            operand.collectVariables(into: &names, underExists: false)
        case .logical(_, let left, let right), .comparison(_, let left, let right):
            left.collectVariables(into: &names, underExists: false)
            right.collectVariables(into: &names, underExists: false)
        case .exists(let operand):
            operand.collectVariables(into: &names, underExists: true)
        }
    }
}
