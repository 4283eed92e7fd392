import Bridges
import Commands
import Foundation
import TestSupport
import Testing

// MARK: - Temporary folders and fake executables at the edge

/// A fresh temporary folder, removed when the value goes away.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init(_ label: String = "bridge") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("ars-\(label)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes an executable file (mode 0755) and returns its path.
    @discardableResult
    func executable(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file)
        return file
    }

    func file(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A fake `kubectl` that prints each argument followed by a NUL byte, so the words it received
/// can be compared byte for byte.
let fakeKubectl = """
    #!/bin/sh
    printf '%s\\0' "$@"

    """

/// An environment for bridge children: a PATH with `bin` first, and a marker variable that the
/// test process itself does not have.
func bridgeEnvironment(bin: String, home: String) -> [String: String] {
    ["PATH": "\(bin):/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "ARS_BRIDGE_MARK": "session-environment"]
}

func localNode(_ name: String = "local", command: String? = nil, kubeconfig: String? = nil, timeout: Int? = nil) -> NodeSettings {
    NodeSettings(name: name, bridge: BridgeSettings(kind: .local, command: command, kubeconfig: kubeconfig, timeout: timeout))
}

// MARK: - Words

/// The NUL-terminated words a `printf '%s\0'` wrote.
func nulSeparatedWords(_ data: Data) -> [Data] {
    var words = data.split(separator: 0, omittingEmptySubsequences: false).map { Data($0) }
    if words.last == Data() { words.removeLast() }
    return words
}

/// A reproducible generator (SplitMix64): failures print the seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed of the quoting property tests: `ARS_BRIDGE_SEED` or a fixed one.
let quotingSeed: UInt64 = ProcessInfo.processInfo.environment["ARS_BRIDGE_SEED"].flatMap { UInt64($0) } ?? 0x5EED_A125

/// Random words: printable ASCII with every shell metacharacter, blanks, newlines, Chinese,
/// emoji (one with a ZWJ sequence), combining marks, and empty words.
enum RandomWords {
    static let pieces: [String] = {
        var pieces = (0x20...0x7E).map { String(UnicodeScalar(UInt8($0))) }
        pieces += ["'", "\"", "\\", "$", "`", "(", ")", ";", "&", "|", "<", ">", "*", "?", "[", "]", "~", "#", "!", "{", "}", "=", "%"]
        pieces += [" ", " ", "\t", "\n", "\r\n", "$(", "${", "$((", "'\\''", "\\'", "*?[!", "-n", "--", "-"]
        pieces += ["报告", "中文", "节点", "🙂", "🚀", "👩‍💻", "e\u{301}", "\u{0308}", "a\u{20DD}", "Ω", "ß", "\u{00A0}", "\u{200B}"]
        return pieces
    }()

    static func word(using generator: inout SeededGenerator) -> String {
        if Int.random(in: 0..<12, using: &generator) == 0 { return "" }
        let length = Int.random(in: 1...12, using: &generator)
        return (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    /// `count` cases of 1…6 words each.
    static func cases(_ count: Int, using generator: inout SeededGenerator) -> [[String]] {
        (0..<count).map { _ in (0..<Int.random(in: 1...6, using: &generator)).map { _ in word(using: &generator) } }
    }
}

/// A shell script of one `printf '%s\0' WORDS…` line per case.
func printfScript(_ cases: [[String]]) -> String {
    cases.map { "printf '%s\\0' " + ShellQuote.join($0) }.joined(separator: "\n")
}

/// Compares what a batch of printf lines printed with the words they were given; on a mismatch,
/// names the first case that differs and the seed.
func expectRoundTrip(
    _ cases: [[String]], output: Data, seed: UInt64, via: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    let words = nulSeparatedWords(output)
    var index = 0
    for (number, caseWords) in cases.enumerated() {
        let expected = caseWords.map { Data($0.utf8) }
        let actual = Array(words[min(index, words.count)..<min(index + expected.count, words.count)])
        if actual != expected {
            let message: String =
                "\(via): case \(number) did not round-trip (seed \(seed); rerun with ARS_BRIDGE_SEED=\(seed))\n"
                + "  words:  \(caseWords.map { $0.debugDescription })\n"
                + "  quoted: \(ShellQuote.join(caseWords).debugDescription)\n"
                + "  got:    \(actual.map { String(decoding: $0, as: UTF8.self).debugDescription })"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            return
        }
        index += expected.count
    }
    #expect(index == words.count, "\(via): \(words.count - index) extra words printed (seed \(seed))", sourceLocation: sourceLocation)
}

// MARK: - Running things directly

/// `runDirect` on a Dispatch thread: tests run on Swift's small cooperative pool, which a
/// blocking wait would starve (and with it every timing-sensitive test running alongside).
func runDirectAsync(_ argv: [String]) async throws -> (status: Int32, stdout: Data, stderr: Data) {
    try await offPool { try runDirect(argv) }
}

/// Runs blocking work on a Dispatch thread, off Swift's cooperative pool.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// Runs `argv` with Foundation's `Process` (the reference, independent of the bridges) and
/// collects its exit status and both outputs. Blocks: from a test, use `runDirectAsync`.
func runDirect(_ argv: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (
    status: Int32, stdout: Data, stderr: Data
) {
    try runProcessData(argv, environment: environment)
}

/// Seconds since `start` on the monotonic clock.
func elapsed(since start: ContinuousClock.Instant) -> Double {
    let duration = ContinuousClock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Waits (bounded) until `condition` holds, checking every 10 ms; false when time ran out.
func eventually(within seconds: Double, _ condition: () -> Bool) async -> Bool {
    let start = ContinuousClock.now
    while elapsed(since: start) < seconds {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// The `ArsError` a call throws, or nil.
func arsError(_ body: () async throws -> Void) async -> ArsError? {
    do {
        try await body()
        return nil
    } catch let error as ArsError {
        return error
    } catch {
        Issue.record("expected an ArsError, got \(error)")
        return nil
    }
}
