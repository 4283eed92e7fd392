import CommandModel
import FoundationEssentials

/// The grammar of ids and names that become a URL path segment, a kubectl argument, a git ref
/// or a file name: checked before anything is sent, so no value can change what a request means.
///
/// An id starts with a letter or digit and goes on with letters, digits, `_`, `-` and `.`, at
/// most 253 characters, never `..`. Every id a real server issues fits
/// (`run_f92de79e53af4984bfb5c135de63dacc`, `cmd_…`, `agentrun-v01-runner-0123456789ab`, the
/// sandbox's `t-1`); `/`, `..`, `?`, `#`, `%`, whitespace and control characters never do.
public enum Identifier {
    /// The rule as error messages quote it.
    public static let rule =
        "an id is letters, digits, '_', '-' and '.', starts with a letter or digit, has no '..' and is at most 253 characters"

    /// True when `value` fits the grammar.
    public static func isValid(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, value.unicodeScalars.count <= 253, isAlphanumeric(first) else { return false }
        guard value.unicodeScalars.allSatisfy({ isAlphanumeric($0) || $0 == "_" || $0 == "-" || $0 == "." }) else { return false }
        // No `..` (scanned on bytes: Foundation's substring search bridges to NSString).
        var previous: UInt8 = 0
        for byte in value.utf8 {
            if byte == UInt8(ascii: ".") && previous == UInt8(ascii: ".") { return false }
            previous = byte
        }
        return true
    }

    /// Returns `value` when it fits the grammar; otherwise a usage error naming `what` and the rule.
    @discardableResult
    public static func check(_ value: String, _ what: String = "id") throws(ArsError) -> String {
        guard isValid(value) else {
            throw ArsError.usage(
                .badId, "\(what) '\(value)' is not a valid id; nothing was sent",
                hint: rule)
        }
        return value
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": true
        default: false
        }
    }
}

/// Builds URL paths and queries from fixed words and checked ids: the one place a value becomes
/// part of a request's URL.
public enum URLPath {
    /// `/tasks/t-1/result` from `["tasks", "t-1", "result"]`: every segment is checked against
    /// the id grammar, so a path never gains a segment, a query or a fragment.
    public static func build(_ segments: [String]) throws(ArsError) -> String {
        var path = ""
        for segment in segments { path += "/" + (try Identifier.check(segment, "path segment")) }
        return path
    }

    /// Checks a path written as one string (`/tasks/t-1/result`) segment by segment.
    public static func checked(_ path: String) throws(ArsError) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard path.hasPrefix("/"), !segments.isEmpty else {
            throw ArsError.usage(.badId, "request path '\(path)' does not start with '/'; nothing was sent", hint: Identifier.rule)
        }
        return try build(segments.map(String.init))
    }

    /// `name=value&…` with every name and value percent-encoded (a value may hold anything).
    public static func query(_ items: [(String, String?)]) -> String {
        items.compactMap { name, value in value.map { encode(name) + "=" + encode($0) } }.joined(separator: "&")
    }

    /// Percent-encodes everything outside RFC 3986's unreserved set.
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
