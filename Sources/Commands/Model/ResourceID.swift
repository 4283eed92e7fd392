/// The grammar of an id that goes into a request path (or a kubectl argument): what every id a real AgentRun server
/// issues looks like (`run_f92de79e53af4984bfb5c135de63dacc`, `cmd_…`,
/// `agentrun-v01-runner-0a1b2c3d4e5f`, the sandbox's `t-42`), and nothing that could change the
/// request's meaning (`/`, `..`, `?`, `#`, `%`, white space, control characters).
public enum ResourceID {
    /// At most this many characters.
    public static let maxLength = 200

    /// Why `id` cannot be used, or nil.
    public static func problem(_ id: String) -> String? {
        if id.isEmpty { return "it is empty" }
        if id.count > maxLength { return "it is longer than \(maxLength) characters" }
        if id.contains("..") { return "it contains '..'" }
        guard let first = id.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || ("0"..."9").contains(first) else {
            return "it must start with a letter or a digit"
        }
        if let bad = id.unicodeScalars.first(where: { !isAllowed($0) }) {
            let shown = bad.value < 0x21 || bad.value == 0x7F ? "a space or control character" : "'\(bad)'"
            return "it contains \(shown)"
        }
        return nil
    }

    public static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_-.:".unicodeScalars.contains(scalar))
    }

    /// Refuses (exit 2, nothing sent) an id typed by the user that breaks the grammar.
    public static func validate(_ id: String, kind: String) throws(ArsError) {
        guard let problem = problem(id) else { return }
        throw ArsError.usage(
            "bad-id", "'\(id)' is not a \(kind) id: \(problem); nothing was sent",
            hint: "ids are letters, digits, '_', '-', '.' and ':' (e.g. run_f92de79e53af4984bfb5c135de63dacc or t-42)")
    }
}
