import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Testing

/// Issue 16's cases through the real binary against a real sandbox lane: no secret leaks, no id
/// changes a request, no control character reaches a terminal, the words match the behaviour.
@Suite("Trust: secrets, ids, terminal safety, retries")
struct TrustEndToEndTests {
    let sandbox = SandboxServer.shared

    /// Every 8-character slice of `secret` (the sweep's unit of a leak).
    static func slices(of secret: String) -> [String] {
        let characters = Array(secret)
        guard characters.count >= 8 else { return [secret] }
        return (0...(characters.count - 8)).map { String(characters[$0..<($0 + 8)]) }
    }

    func expectNoSlice(of secret: String, in text: String, _ what: String) {
        for slice in Self.slices(of: secret) where text.contains(slice) {
            Issue.record("\(what) holds '\(slice)' of the secret")
            return
        }
    }

    @Test(
        "an id that could change the request is a usage error naming the rule, and nothing is sent",
        arguments: [
            ["get", "task", "../../admin/faults"], ["get", "task/t-1?x=1"], ["get", "task/t 1"], ["describe", "task/t-1#frag"],
            ["result", "task/%2e%2e"], ["get", "task", "t-1/../../admin"], ["events", "run/r-1\u{1B}x"],
        ])
    func pathInjection(arguments: [String]) throws {
        let output = try sandbox.ars(arguments)
        #expect(output.status == 2, "stderr: \(output.stderr)")
        #expect(output.stderr.contains("error[bad-id]"))
        #expect(output.stderr.contains("nothing was sent"))
        #expect(output.stderr.contains("letters, digits, '_', '-' and '.'"), "the error names the rule")
        #expect(!output.stderr.contains("restBaseUrl"), "a bad id is not a transport problem")
        #expect(output.stdout.isEmpty)
    }

    @Test("ids a real server issues pass the grammar and reach the server (404, not a usage error)")
    func realIDsPass() throws {
        for id in ["run_f92de79e53af4984bfb5c135de63dacc", "cmd_0a1b2c3d", "agentrun-v01-runner-0123456789ab"] {
            let output = try sandbox.ars(["get", "task", id])
            #expect(output.status == 3, "\(id): \(output.stderr)")
            #expect(output.stderr.contains("HTTP 404"))
        }
    }

    @Test("echo of the key prints the marker; a table cuts the prompt only after redacting it")
    func redactedBeforeTruncated() throws {
        let echo = try sandbox.ars(["echo", "key:", sandbox.key])
        #expect(echo.status == 0)
        #expect(echo.stdout == "key: [REDACTED]\n")
        // A prompt long enough to be cut in the table, with the key where the cut falls.
        let prompt = "please use key " + sandbox.key + " " + String(repeating: "x", count: 80)
        let created = try sandbox.ars(["create", "task", "--aipod", "Artificer", "--prompt", prompt, "-o", "json"])
        #expect(created.status == 0, "stderr: \(created.stderr)")
        let table = try sandbox.ars(["get", "tasks", "--limit", "200"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("please use key [REDA") || table.stdout.contains("please use key [REDACTED]"))
        expectNoSlice(of: sandbox.key, in: table.stdout + table.stderr, "the human table")
        expectNoSlice(of: sandbox.key, in: created.stdout + created.stderr, "create -o json")
    }

    @Test("bidi and ESC from the server and from the user's own input are escaped on stdout and on stderr")
    func terminalSafetyOnBothStreams() throws {
        let hostile = "a\u{202E}cod.exe\u{1B}]0;owned\u{07}\u{1B}[2Jb\u{2066}\u{200F}"
        let created = try sandbox.ars(["create", "task", "--aipod", "Artificer", "--prompt", hostile, "-o", "json"])
        let id = try #require(created.stdout.jsonField("id"))
        // The JSON keeps the exact string, escaped by the format (ESC as \u001b).
        #expect(created.stdout.contains(#"\u001b]0;owned"#))
        let describe = try sandbox.ars(["describe", "task/\(id)"])
        #expect(describe.stdout.contains(#"a\u{202E}cod.exe\x1b]0;owned\x07\x1b[2Jb\u{2066}\u{200F}"#), "\(describe.stdout)")
        for raw in ["\u{202E}", "\u{1B}", "\u{07}", "\u{2066}", "\u{200F}"] {
            #expect(!describe.stdout.contains(raw))
        }
        // An error quoting the user's input on stderr.
        let bad = try sandbox.ars(["get", "task/t\u{202E}1\u{1B}[31m"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains(#"t\u{202E}1\x1b[31m"#), "\(bad.stderr)")
        #expect(!bad.stderr.contains("\u{1B}") && !bad.stderr.contains("\u{202E}"))
        // echo on stdout.
        let echo = try sandbox.ars(["echo", "x\u{1B}[31my\u{202D}"])
        #expect(echo.stdout == "x\\x1b[31my\\u{202D}\n")
    }

    @Test("a malformed --plan id is a usage error, not 'the world changed'")
    func malformedPlan() throws {
        let output = try sandbox.ars(["worktree", "create", "fix-x", "--confirm", "--plan", "../x;rm"])
        #expect(output.status == 2, "stderr: \(output.stderr)")
        #expect(output.stderr.contains("error[bad-plan]"))
        #expect(output.stderr.contains("12 hex digits"))
        #expect(!output.stderr.contains("world changed"))
    }

    @Test("a branch that would run a second command when pasted is refused before anything runs")
    func branchInjection() throws {
        let marker = sandbox.directory + "/p-\(UUID().uuidString.prefix(6))"
        let output = try sandbox.ars(["worktree", "create", "x;touch${IFS}\(marker)", "--dry-run"])
        #expect(output.status == 2, "stderr: \(output.stderr)")
        #expect(output.stderr.contains("error[bad-branch]"))
        #expect(output.stderr.contains("';'"))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("a GET that meets 500s is retried with backoff and says so on stderr; a POST is not retried")
    func retriesMatchTheirWords() async throws {
        let sandbox = try SandboxServer()
        defer { sandbox.stop() }
        func arm(_ body: String) async throws {
            var request = URLRequest(url: URL(string: sandbox.baseURL + "/api/v1/admin/faults")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(sandbox.key)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
            let (_, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
        }
        try await arm(#"{"kind": "http-500", "count": 2}"#)
        let get = try sandbox.ars(["get", "tasks"])
        #expect(get.status == 0, "two 500s then a good answer: \(get.stderr)")
        #expect(get.stderr.contains("ars: retrying GET"))
        #expect(get.stderr.contains("after HTTP 500 (attempt 2 of 3)"))
        #expect(get.stderr.contains("(attempt 3 of 3)"))

        try await arm(#"{"kind": "http-500", "count": 1}"#)
        let create = try sandbox.ars(["create", "task", "--aipod", "Artificer", "--prompt", "once only"])
        #expect(create.status == 3)
        #expect(!create.stderr.contains("retrying"), "a POST is never retried blindly")
        #expect(create.stderr.contains("never retries a POST"))
        #expect(!create.stderr.contains("retried automatically"))
    }

    @Test("a bad aipod, name or label, or a repoUrl with credentials, is refused before sending and never echoed")
    func createChecksBeforeSending() throws {
        // A prompt of this test's own: the shared sandbox takes other tests' tasks meanwhile.
        let prompt = "refused-\(UUID().uuidString.prefix(8))"
        for (flags, expected) in [
            (["--aipod", "../Artificer"], "aipod '../Artificer' is not valid"),
            (["--aipod", "Artificer", "--name", "a/b"], "name 'a/b' is not valid"),
            (["--aipod", "Artificer", "--label", "bad key=x"], "label key 'bad key' is not valid"),
        ] {
            let output = try sandbox.ars(["create", "task", "--prompt", prompt] + flags)
            #expect(output.status == 2, "\(flags): \(output.stderr)")
            #expect(output.stderr.contains("error[bad-task]"))
            #expect(output.stderr.contains(expected), "\(output.stderr)")
        }
        let directory = sandbox.directory + "/runner-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let password = "pw-9f8e7d6c5b4a"
        try
            #"{"bundles": [{"kind": "git", "repoUrl": "https://deploy:\#(password)@git.example.com/r.git"}, {"repoUrl": "https://git.example.com/r.git?private_token=tok-1234567890ab"}]}"#
            .write(toFile: directory + "/runner.json", atomically: true, encoding: .utf8)
        let output = try sandbox.ars([
            "create", "task", "--aipod", "Artificer", "--prompt", prompt, "--runner-json-file", directory + "/runner.json",
        ])
        #expect(output.status == 2, "\(output.stderr)")
        #expect(output.stderr.contains("runner.bundles[0].repoUrl"))
        #expect(output.stderr.contains("runner.bundles[1].repoUrl"), "both bad URLs are reported")
        #expect(output.stderr.contains("[REDACTED]"))
        expectNoSlice(of: password, in: output.stdout + output.stderr, "the refusal")
        expectNoSlice(of: "tok-1234567890ab", in: output.stdout + output.stderr, "the refusal")
        let after = try sandbox.ars(["get", "tasks", "--all", "-o", "json"]).stdout
        expectNoSlice(of: password, in: after, "the server's tasks")
        #expect(!after.contains(prompt), "nothing was created")
    }

    @Test("apply reports every bad manifest at once, each at file:line:col, and sends nothing")
    func applyReportsAll() throws {
        let manifests = """
            kind: Task
            name: ok-one
            aipod: Artificer
            prompt: fine
            ---
            kind: Task
            name: bad/name
            aipod: Artificer
            prompt: p
            ---
            kind: Task
            name: two
            aipod: Artificer
            prompt: p
            colour: red
            """
        let output = try sandbox.ars(["apply", "-f", "-"], stdin: manifests)
        #expect(output.status == 2, "\(output.stderr)")
        #expect(output.stderr.contains("2 manifests in"))
        #expect(output.stderr.contains("name 'bad/name' is not valid"))
        #expect(output.stderr.contains("unknown field 'colour'"))
        #expect(output.stderr.contains(":7:7"), "\(output.stderr)")
        #expect(try sandbox.ars(["get", "tasks", "--all", "-o", "json"]).stdout.contains("ok-one") == false, "nothing was sent")
    }
}
