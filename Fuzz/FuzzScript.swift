// libFuzzer entry point for the `.ars` front end: tokenizer, script parser, expression parser,
// interpolation and the JSON/YAML decoders (the id grammar and URL builders have their own
// target, `FuzzPaths.swift`). Not part of the SwiftPM package (it lives outside
// `Sources/`); `scripts/fuzz` builds `Commands` with coverage instrumentation into
// `.build-fuzz/` and links this file with `swiftc -sanitize=fuzzer`.
//
// Thrown errors (`ArsError`, `JSON.SyntaxError`, `YAML.SyntaxError`) are expected results.
// Only crashes, traps, hangs, runaway memory or sanitizer reports are findings.
import Commands
import ScriptLanguage
import Foundation

private let registry: CommandRegistry = {
    do { return try CommandRegistry(plugins: [BuiltinsPlugin()]) } catch { fatalError("registry: \(error)") }
}()

/// `source FILE` reads files while parsing. Keep the fuzzer away from device and proc files
/// (`/dev/zero`, `/dev/stdin` would block or never end) without changing what it parses otherwise.
private func defuse(_ text: String) -> String {
    var text = text
    for prefix in ["/dev", "/proc", "/sys"] where text.contains(prefix) {
        text = text.replacingOccurrences(of: prefix, with: "/_fuzz_")
    }
    return text
}

/// A scope with a few values of each shape so interpolation and evaluation reach real paths.
private let scope = ExpressionScope([
    "a": .string("text"),
    "n": .int(42),
    "x": .double(1.5),
    "t": .bool(true),
    "z": .null,
    "list": .array([.int(1), .string("two"), .null]),
    "obj": ["status": "done", "items": [3], "nested": ["k": false]],
])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = defuse(String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self))
    let location = SourceLocation(file: "fuzz.ars", line: 1, column: 1, lineText: text)

    // Tokenizer, whole input and line by line (the REPL and completion see single lines).
    _ = try? Tokenizer.tokenize(text)
    _ = Tokenizer.tokenizePartial(text)
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(64) {
        _ = try? Tokenizer.tokenize(String(line))
        _ = Tokenizer.tokenizePartial(String(line))
    }

    // The script parser; the checker validates what parsed without running anything.
    if let script = try? ScriptParser(registry: registry).parse(
        text: text, file: "fuzz.ars", absolutePath: "/nonexistent-ars-fuzz/fuzz.ars")
    {
        _ = ScriptChecker(registry: registry).check(script)
    }

    // Expressions: parse, then evaluate against the scope.
    if let expression = try? ExpressionParser.parse(text, at: location) {
        _ = try? ExpressionEvaluator.evaluate(expression, in: scope)
    }

    // Interpolation.
    _ = try? Interpolation.expand(text, at: location, in: scope)
    _ = try? Interpolation.references(in: text, at: location)

    // Data formats.
    _ = try? JSON.decode(text)
    _ = try? YAML.decodeAll(text)
    return 0
}
