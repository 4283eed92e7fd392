import Commands
import ScriptLanguage
import Foundation
import Testing

@testable import Shell

/// Every example a signature shows in `help` and `docs/commands.md` is a line an operator may
/// paste: it parses (heredocs included), names the very command it documents, passes `ars
/// check`, and resolves (the command's own checks, lane and node included) against the
/// plugins this build carries and the catalogue this repository ships.
@Suite("Command examples")
struct ExampleTests {
    @Test("every signature example parses, checks and resolves as the command it documents")
    func examplesAreValidLines() throws {
        let registry = try CommandRegistry(plugins: Plugins.all)
        // The files examples name exist, as they would where an operator runs them.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ars-examples-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "param task\necho ${task}\n".write(toFile: folder + "/closeout.ars", atomically: true, encoding: .utf8)
        let session = Session(
            registry: registry, mode: .oneShot, io: IOStreams(stdin: StringSource(""), stdout: BufferSink(), stderr: BufferSink()),
            environment: ["HOME": "/nonexistent"], currentDirectory: folder, configOverride: Self.catalogue)
        var count = 0
        for command in registry.commands {
            let signature = command.signature
            for example in signature.examples {
                count += 1
                let where_ = "example '\(example.command)' of \(signature.name)"
                do {
                    let script = try ScriptParser(registry: registry).parse(text: example.command + "\n", file: "example.ars")
                    let problems = ScriptChecker(registry: registry, session: session).check(script)
                    #expect(problems.isEmpty, "\(where_) does not pass ars check: \(problems.map(\.message))")
                    guard script.statements.count == 1, case .command(let line) = script.statements[0].kind else {
                        Issue.record("\(where_) is not exactly one command statement")
                        continue
                    }
                    let invocation = try CommandParser(registry: registry).parse(line.tokens)
                    #expect(invocation.signature.path == signature.path, "\(where_) runs \(invocation.signature.name)")
                    // A heredoc is the command's standard input.
                    session.io.stdin = StringSource(line.stdin ?? "")
                    try command.check(invocation, in: session)
                } catch {
                    Issue.record("\(where_): \(ErrorReport.normalize(error).message)")
                }
            }
        }
        #expect(count > 30)
    }

    /// `config/agentrun.yaml` of this checkout.
    static let catalogue = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("config/agentrun.yaml").path
}
