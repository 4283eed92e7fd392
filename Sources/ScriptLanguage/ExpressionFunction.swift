import Commands
import FoundationEssentials

/// The built-in functions of `.ars` expressions; each takes one argument.
public enum ExpressionFunction: String, Sendable, Equatable, CaseIterable {
    /// `len(x)`: characters of a string, elements of a list, fields of an object.
    case len
    /// `lower(s)`: the string in lower case.
    case lower
    /// `upper(s)`: the string in upper case.
    case upper
    /// `keys(o)`: an object's field names, in order.
    case keys
    /// `string(x)`: the value as interpolation renders it.
    case string
    /// `int(x)`: a whole number from an int, a number (truncated) or a string of digits.
    case int

    /// How many arguments the function takes.
    public var arity: Int { 1 }

    /// Applies the function; errors sit at `location` (the function name).
    func apply(to argument: Value, at location: SourceLocation) throws(ArsError) -> Value {
        switch (self, argument) {
        case (.len, .string(let text)): return .int(text.count)
        case (.len, .array(let items)): return .int(items.count)
        case (.len, .object(let object)): return .int(object.count)
        case (.lower, .string(let text)): return .string(text.lowercased())
        case (.upper, .string(let text)): return .string(text.uppercased())
        case (.keys, .object(let object)): return .array(object.keys.map(Value.string))
        case (.string, _): return .string(argument.plainText)
        case (.int, .int): return argument
        case (.int, .double(let number)):
            guard number.isFinite, abs(number) < 9.2e18 else { throw conversionError(argument, at: location) }
            return .int(Int(number.rounded(.towardZero)))
        case (.int, .string(let text)):
            guard let number = Int(text.trimmingSpaces()) else { throw conversionError(argument, at: location) }
            return .int(number)
        default:
            throw ArsError.invalidInput(
                .scriptType, "\(rawValue)() needs \(expected), got \(argument.typeWithArticle)", location: location)
        }
    }

    /// The argument types the function accepts, for error messages.
    private var expected: String {
        switch self {
        case .len: "a string, list or object"
        case .lower, .upper: "a string"
        case .keys: "an object"
        case .string: "a value"
        case .int: "an int, number or string of digits"
        }
    }

    private func conversionError(_ value: Value, at location: SourceLocation) -> ArsError {
        .invalidInput(
            .scriptType, "int() cannot convert \(value.typeName) \(JSON.encode(value, pretty: false)) to int", location: location)
    }
}
