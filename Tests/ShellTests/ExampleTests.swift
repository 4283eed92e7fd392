import Commands
import Foundation
import Testing

@testable import Shell

/// Every example a signature shows in `help` and `docs/commands.md` is a line an operator may
/// paste: it parses (heredocs included), names the very command it documents, passes `ars
/// check`, and passes the command's own validation — against the plugins this build carries.
@Suite("Command examples")
struct ExampleTests {
    @Test("every signature example parses, checks and validates as the command it documents")
    func examplesAreValidLines() throws {
        let registry = try CommandRegistry(plugins: Plugins.all)
        let session = Session(
            registry: registry, mode: .oneShot, io: IOStreams(stdin: StringSource(""), stdout: BufferSink(), stderr: BufferSink()),
            environment: ["HOME": "/nonexistent"])
        var count = 0
        for command in registry.commands {
            let signature = command.signature
            for example in signature.examples {
                count += 1
                let where_ = "example '\(example.command)' of \(signature.name)"
                do {
                    let script = try ScriptParser(registry: registry).parse(text: example.command + "\n", file: "example.ars")
                    let problems = ScriptChecker(registry: registry).check(script)
                    #expect(problems.isEmpty, "\(where_) does not pass ars check: \(problems.map(\.message))")
                    guard script.statements.count == 1, case .command(let line) = script.statements[0].kind else {
                        Issue.record("\(where_) is not exactly one command statement")
                        continue
                    }
                    let invocation = try CommandParser(registry: registry).parse(line.tokens)
                    #expect(invocation.signature.path == signature.path, "\(where_) runs \(invocation.signature.name)")
                    try command.validate(invocation, in: session)
                } catch {
                    Issue.record("\(where_): \(ErrorReport.normalize(error).message)")
                }
            }
        }
        #expect(count > 30)
    }
}
