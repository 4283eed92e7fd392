import Foundation
import Testing

/// File-based script cases: `Tests/Scripts/<case>.ars` with the expected `.out`, `.err` and
/// `.exit` beside it. A first line `# args: check` (or other words) replaces the default `run`.
/// `ARS_UPDATE_GOLDEN=1` rewrites the expectations.
@Suite("Script cases (Tests/Scripts)")
struct ScriptCaseTests {
    static let directory = repositoryRoot + "/Tests/Scripts"

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".ars") }.map { String($0.dropLast(4)) }.sorted()
    }

    @Test("each case prints what its .out and .err say and exits with its .exit", arguments: cases)
    func scriptCase(name: String) throws {
        let file = name + ".ars"
        let text = try String(contentsOfFile: Self.directory + "/" + file, encoding: .utf8)
        var arguments = ["run", file]
        if let first = text.split(separator: "\n").first, first.hasPrefix("# args: ") {
            arguments = first.dropFirst("# args: ".count).split(separator: " ").map(String.init) + [file]
        }
        let sandbox = try Sandbox()
        let environment = sandbox.environment.merging(["ARS_CONFIG": repositoryRoot + "/config/agentrun.yaml", "NO_COLOR": "1"]) { $1 }
        let result = try runProcess([arsBinary] + arguments, environment: environment, directory: Self.directory)
        let expected = (
            out: try expectation(name + ".out", result.stdout),
            err: try expectation(name + ".err", result.stderr),
            exit: try expectation(name + ".exit", "\(result.status)\n")
        )
        #expect(result.stdout == expected.out, "stdout of \(file)")
        #expect(result.stderr == expected.err, "stderr of \(file)")
        #expect("\(result.status)\n" == expected.exit, "exit status of \(file)")
    }

    private func expectation(_ file: String, _ actual: String) throws -> String {
        let path = Self.directory + "/" + file
        if ProcessInfo.processInfo.environment["ARS_UPDATE_GOLDEN"] == "1" {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing \(file); run with ARS_UPDATE_GOLDEN=1>"
    }
}
