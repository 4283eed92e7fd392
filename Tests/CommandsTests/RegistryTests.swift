import Commands
import Testing

/// A plugin made of whatever signatures a test needs.
struct SignaturePlugin: CommandPlugin {
    let name = "signatures"
    let signatures: [CommandSignature]
    var providers: [String: CompletionProvider] = [:]

    var commands: [any Command] { signatures.map { FixturePlugin.Echoing(signature: $0) } }
    var completionProviders: [String: CompletionProvider] { providers }
}

@Suite("Signature validation at registration")
struct RegistryTests {
    func rejection(_ signatures: [CommandSignature]) -> String? {
        do {
            _ = try CommandRegistry(plugins: [SignaturePlugin(signatures: signatures)])
            return nil
        } catch {
            return error.message
        }
    }

    @Test("every shipped plugin's signatures are valid")
    func shipped() throws {
        let registry = try CommandRegistry(plugins: [BuiltinsPlugin()])
        #expect(registry.command(["use", "node"]) != nil)
        #expect(registry.children(of: ["use"]) == ["lane", "node", "task"])
    }

    @Test(
        "bad signatures are refused with the reason",
        arguments: [
            ([CommandSignature("get", summary: "a"), CommandSignature("get", summary: "b")], "registered twice"),
            ([CommandSignature("use", summary: "a"), CommandSignature("use node", summary: "b")], "is both a command and the group"),
            ([CommandSignature("x", summary: "a", options: [Option("limit", "a"), Option("limit", "b")])], "declared twice"),
            ([CommandSignature("x", summary: "a", options: [Option("output", "clashes with -o")])], "clashes with a common option"),
            (
                [CommandSignature("x", summary: "a", options: [Option("a", short: "n", "a"), Option("b", short: "n", "b")])],
                "short option '-n' is used by two options"
            ),
            ([CommandSignature("x", summary: "a", options: [Option("h", short: "h", "clashes with --help")])], "short option '-h'"),
            ([CommandSignature("x", summary: "a", options: [Option("f", "a", kind: .choice(["a", "b"]), default: "c")])], "default 'c'"),
            (
                [CommandSignature("x", summary: "a", positionals: [Positional("a", "a", optional: true), Positional("b", "b")])],
                "required positional 'b' follows an optional one"
            ),
            (
                [
                    CommandSignature(
                        "x", summary: "a", positionals: [Positional("a", "a", variadic: true), Positional("b", "b", optional: true)])
                ], "must be the last one"
            ),
            ([CommandSignature("X", summary: "a")], "lowercase"),
            ([CommandSignature("x", summary: "")], "summary is empty"),
            (
                [CommandSignature("x", summary: "a", positionals: [Positional("a", "a", completion: .provider("nope"))])],
                "completion provider 'nope'"
            ),
            ([CommandSignature("x", summary: "a", isPassthrough: true)], "passthrough"),
        ])
    func refused(signatures: [CommandSignature], reason: String) {
        let message = rejection(signatures)
        #expect(message?.contains(reason) == true, "got: \(message ?? "accepted")")
    }

    @Test("a provider registered by two plugins is refused")
    func duplicateProvider() {
        #expect(throws: ArsError.self) {
            try CommandRegistry(plugins: [BuiltinsPlugin(), SignaturePlugin(signatures: [], providers: ["node": { _ in [] }])])
        }
    }
}
