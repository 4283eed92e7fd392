import Commands
import Foundation
import Testing

@Suite("Secrets captured from results")
struct SecretScannerTests {
    @Test("a Kubernetes Secret's data (base64 and decoded) and stringData are secrets")
    func kubernetesSecret() throws {
        let secret: Value = [
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": "agentrun-runner-5qv8d-env"],
            "data": ["HWLAB_API_KEY": .string(Data("fixture-not-a-real-key-7f3c".utf8).base64EncodedString())],
            "stringData": ["token": "plain-token-value"],
        ]
        let found = SecretScanner.secrets(in: ["items": [secret]])
        #expect(found.contains("fixture-not-a-real-key-7f3c"))
        #expect(found.contains(Data("fixture-not-a-real-key-7f3c".utf8).base64EncodedString()))
        #expect(found.contains("plain-token-value"))
        #expect(!found.contains("agentrun-runner-5qv8d-env"), "metadata is not secret")
    }

    @Test("literal env values with secret-bearing names are secrets; references and plain names are not")
    func envEntries() {
        let env: Value = [
            ["name": "HWLAB_API_KEY", "value": "literal-key-12345"],
            ["name": "HWLAB_API_KEY", "valueFrom": ["secretKeyRef": ["name": "s", "key": "HWLAB_API_KEY"]]],
            ["name": "HTTPS_PROXY", "value": "http://proxy:3128"],
        ]
        #expect(SecretScanner.secrets(in: env) == ["literal-key-12345"])
    }

    @Test("a secret found in one command's result is redacted from everything printed after")
    func redactedEverywhere() async throws {
        struct SecretCommand: Command {
            let signature = CommandSignature("show-secret", summary: "Returns a Secret")
            func run(_ options: NoOptions, in session: Session) async throws -> CommandOutput {
                let value: Value = ["kind": "Secret", "stringData": ["password": "hunter2-very-secret"]]
                return CommandOutput(value, human: [.text("password is hunter2-very-secret")])
            }
        }
        struct Plugin: CommandPlugin {
            let name = "secret"
            var commands: [any Command] { [SecretCommand()] }
        }
        let (session, out, _) = try makeSession(plugins: [BuiltinsPlugin(), Plugin()])
        for format in ["human", "json", "yaml"] {
            _ = await run("show-secret -o \(format)", in: session, out: out, err: BufferSink())
        }
        _ = await run("echo later: hunter2-very-secret", in: session, out: out, err: BufferSink())
        #expect(!out.text.contains("hunter2-very-secret"))
        #expect(out.text.contains("password is [REDACTED]"))
        #expect(out.text.contains("later: [REDACTED]"))
    }
}
