import Bridges
import Commands
import Foundation
import Testing

/// ShellQuote's promise, checked by running a real shell: any words, quoted and joined, reach
/// the command byte for byte — directly, through the local bridge's folder script, through the
/// fake trans and through a real sshd.
@Suite("Quoting round-trips", .serialized)  // thousands of processes: one test at a time, to spare the machine
struct QuotingTests {
    static let edgeCases: [[String]] = [
        [""], ["", ""], ["'"], ["''"], ["\""], ["\\"], ["$HOME"], ["$(echo hi)"], ["`id`"], ["a b", "c\td"],
        ["line\nbreak"], ["\n"], ["-n"], ["--"], ["~"], ["~root"], ["*"], ["#not a comment"], ["!"], ["a;b&c|d<e>f"],
        ["报告 HTTP 状态"], ["🙂", "👩‍💻"], ["e\u{301}"], ["\u{0308}"], ["it's"], ["'\\''"], ["%s"], ["\\0"],
    ]

    @Test("random words round-trip through /bin/sh -c printf (thousands of cases, fixed seed)")
    func throughShell() async throws {
        var generator = SeededGenerator(seed: quotingSeed)
        let cases = Self.edgeCases + RandomWords.cases(4000, using: &generator)
        for batch in stride(from: 0, to: cases.count, by: 100).map({ Array(cases[$0..<min($0 + 100, cases.count)]) }) {
            let result = try await runDirectAsync(["/bin/sh", "-c", printfScript(batch)])
            #expect(result.status == 0, "stderr: \(String(decoding: result.stderr, as: UTF8.self))")
            expectRoundTrip(batch, output: result.stdout, seed: quotingSeed, via: "/bin/sh -c")
        }
    }

    @Test("quoting leaves plain words bare and quotes everything else")
    func plainWords() {
        #expect(ShellQuote.join(["get", "pods", "-n", "agentrun-v01", "-o", "json"]) == "get pods -n agentrun-v01 -o json")
        #expect(ShellQuote.quote("") == "''")
        #expect(ShellQuote.quote("it's") == #"'it'\''s'"#)
        #expect(ShellQuote.quote("报告") == "'报告'")
    }

    @Test("random words round-trip through the local bridge's folder script")
    func throughLocalDirectory() async throws {
        let folder = try TemporaryDirectory("local-quote")
        let bridge = LocalBridge(node: localNode(), environment: bridgeEnvironment(bin: folder.path, home: folder.path))
        var generator = SeededGenerator(seed: quotingSeed &+ 1)
        let cases = Self.edgeCases + RandomWords.cases(1500, using: &generator)
        for batch in stride(from: 0, to: cases.count, by: 100).map({ Array(cases[$0..<min($0 + 100, cases.count)]) }) {
            let result = try await bridge.run(.script(printfScript(batch), in: folder.path))
            #expect(result.exitStatus == 0, "stderr: \(result.stderrText)")
            expectRoundTrip(batch, output: result.stdout, seed: quotingSeed &+ 1, via: "local .directory")
        }
    }

    @Test("random words reach kubectl unchanged through the local bridge")
    func throughLocalCluster() async throws {
        let bin = try TemporaryDirectory("local-kubectl")
        try bin.executable("kubectl", fakeKubectl)
        let bridge = LocalBridge(node: localNode(), environment: bridgeEnvironment(bin: bin.path, home: bin.path))
        var generator = SeededGenerator(seed: quotingSeed &+ 2)
        for words in Self.edgeCases + RandomWords.cases(150, using: &generator) {
            let result = try await bridge.run(.kubectl(words))
            expectRoundTrip([words], output: result.stdout, seed: quotingSeed &+ 2, via: "local kubectl")
        }
    }

    @Test("random words reach kubectl unchanged through trans (a fake that hands them to a shell)")
    func throughTrans() async throws {
        let bin = try TemporaryDirectory("trans-quote")
        try bin.executable("kubectl", fakeKubectl)
        try bin.executable("trans", fakeTransScript)
        let bridge = TransBridge(
            node: NodeSettings(name: "G14", bridge: BridgeSettings(kind: .trans)),
            environment: bridgeEnvironment(bin: bin.path, home: bin.path))
        var generator = SeededGenerator(seed: quotingSeed &+ 3)
        for words in Self.edgeCases + RandomWords.cases(150, using: &generator) {
            let result = try await bridge.run(.kubectl(words))
            #expect(result.exitStatus == 0, "stderr: \(result.stderrText)")
            expectRoundTrip([words], output: result.stdout, seed: quotingSeed &+ 3, via: "trans kubectl")
        }
        let cases = Self.edgeCases + RandomWords.cases(500, using: &generator)
        for batch in stride(from: 0, to: cases.count, by: 100).map({ Array(cases[$0..<min($0 + 100, cases.count)]) }) {
            let result = try await bridge.run(.script(printfScript(batch), in: bin.path))
            #expect(result.exitStatus == 0, "stderr: \(result.stderrText)")
            expectRoundTrip(batch, output: result.stdout, seed: quotingSeed &+ 3, via: "trans script")
        }
    }

    @Test("random words round-trip through ssh to a real sshd, as a folder script and as kubectl words")
    func throughSSH() async throws {
        let server = try await SSHServer.running()
        let bridge = SSHBridge(node: server.node(), environment: server.environment)
        let folder = try TemporaryDirectory("ssh-quote")
        var generator = SeededGenerator(seed: quotingSeed &+ 4)
        let cases = Self.edgeCases + RandomWords.cases(400, using: &generator)
        let batches = stride(from: 0, to: cases.count, by: 100).map { Array(cases[$0..<min($0 + 100, cases.count)]) }
        let kubectlCases = Self.edgeCases + RandomWords.cases(20, using: &generator)
        let path = folder.path
        // Each ssh connection costs a key exchange, so they run a few at a time.
        let outcomes = try await withThrowingTaskGroup(of: (Int, RemoteResult).self) { group in
            let commands = batches.map { RemoteCommand.script(printfScript($0), in: path) } + kubectlCases.map { RemoteCommand.kubectl($0) }
            var results: [Int: RemoteResult] = [:]
            for (index, command) in commands.enumerated() {
                if index >= 4, let (done, result) = try await group.next() { results[done] = result }
                group.addTask { (index, try await bridge.run(command)) }
            }
            for try await (done, result) in group { results[done] = result }
            return results
        }
        for (index, batch) in batches.enumerated() {
            let result = try #require(outcomes[index])
            #expect(result.exitStatus == 0, "stderr: \(result.stderrText)")
            expectRoundTrip(batch, output: result.stdout, seed: quotingSeed &+ 4, via: "ssh .directory")
        }
        for (index, words) in kubectlCases.enumerated() {
            let result = try #require(outcomes[batches.count + index])
            #expect(result.exitStatus == 0, "stderr: \(result.stderrText)")
            expectRoundTrip([words], output: result.stdout, seed: quotingSeed &+ 4, via: "ssh kubectl")
        }
    }
}

/// A fake UniDesk bridge at the edge. It understands the two forms ars sends and does what the
/// real one is assumed to do: the words after `kubectl` are joined with spaces and run by a
/// shell (as ssh does); a script runs with `sh -c` in the folder.
let fakeTransScript = """
    #!/bin/sh
    # trans NODE:k3s kubectl WORD…   |   trans NODE:/path script -- SCRIPT
    target=$1; shift
    printf '%s\\n' "$target" > "${FAKE_TRANS_LOG:-/dev/null}"
    case "$target" in
      *:k3s)
        [ "$1" = kubectl ] || { echo "fake trans: expected kubectl after $target" >&2; exit 64; }
        shift
        exec /bin/sh -c "kubectl $*" ;;
      *:/*)
        [ "$1" = script ] && [ "$2" = -- ] && [ $# -eq 3 ] || { echo "fake trans: expected script -- SCRIPT" >&2; exit 64; }
        cd "${target#*:}" || exit 1
        exec /bin/sh -c "$3" ;;
      *)
        echo "fake trans: cannot parse $target" >&2; exit 64 ;;
    esac

    """
