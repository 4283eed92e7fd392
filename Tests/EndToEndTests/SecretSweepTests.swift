import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Testing

/// The secret sweep: one lane of its own, a known API key, every way ars prints or writes
/// (one-shot in every format, piped scripts, `run` with evidence, JUnit and a recording, errors
/// after retries, `echo` of the key), then every stdout, stderr and every file under the lane's
/// folder (homes with history and context, evidence, JUnit, recordings, the sandbox's state) is
/// scanned for the key and for any 8-character slice of it.
@Suite("Secret sweep")
struct SecretSweepTests {
    @Test("no stream and no file holds the key or any 8-character slice of it")
    func sweep() async throws {
        let sandbox = try SandboxServer()
        defer { sandbox.stop() }
        var streams: [(String, String)] = []
        func ars(_ arguments: [String], stdin: String = "") throws {
            let output = try sandbox.ars(arguments, stdin: stdin)
            streams.append(("ars \(arguments.joined(separator: " ")) stdout", output.stdout))
            streams.append(("ars \(arguments.joined(separator: " ")) stderr", output.stderr))
        }
        let id = try #require(
            try sandbox.ars(["create", "task", "--aipod", "Artificer", "--prompt", "sweep", "--dispatch", "-o", "json"]).stdout.jsonField(
                "id"))
        _ = try sandbox.waitForTerminal(id)
        for format in ["human", "json", "yaml"] {
            try ars(["get", "tasks", "-o", format])
            try ars(["describe", "task/\(id)", "-o", format])
            try ars(["result", "task/\(id)", "--verify", "-o", format])
            try ars(["get", "tasks", "--raw", "-o", format])
        }
        try ars(["echo", sandbox.key])
        try ars(["get", "task", "t-999999"])
        try ars(["get", "task", "bad/\(sandbox.key)"])
        // A piped script (the REPL's history is swept by REPLTests with tmux).
        try ars([], stdin: "echo \(sandbox.key)\nget tasks\ncontext\n")
        // A closeout with evidence, JUnit and a recording.
        let out = sandbox.directory + "/sweep-out"
        try ars([
            "run", repositoryRoot + "/docs/examples/task-result-closeout.ars", "--evidence", out, "--junit", out + "/junit.xml",
            "--record", out + "/recording.json", "--lang", "en",
        ])
        // Errors after retries: the lane answers 500 until the retries are used up.
        var request = URLRequest(url: URL(string: sandbox.baseURL + "/api/v1/admin/faults")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(sandbox.key)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"kind": "http-500", "count": 4}"#.utf8)
        _ = try await URLSession.shared.data(for: request)
        try ars(["get", "tasks"])
        try ars(["create", "task", "--aipod", "Artificer", "--prompt", "during a fault"])

        // The sweep.
        let slices = TrustEndToEndTests.slices(of: sandbox.key)
        var swept = 0
        for (name, text) in streams {
            swept += 1
            for slice in slices where text.contains(slice) { Issue.record("\(name) holds '\(slice)'") }
        }
        let fileCount = Self.sweepFiles(under: sandbox.directory, for: slices)
        #expect(swept > 30)
        #expect(fileCount >= 6, "evidence, JUnit, recording, history/context state and the sandbox's state were swept")
        #expect(FileManager.default.fileExists(atPath: out + "/recording.json"))
        #expect(FileManager.default.fileExists(atPath: out + "/junit.xml"))
    }

    @Test("an in-cluster Secret's value reaches no stream and no file of the client, whatever reads it")
    func inClusterSecretSweep() throws {
        let lane = try ClusterLane()
        let value = "fixture-not-a-real-key-7f3c"
        let needles = TrustEndToEndTests.slices(of: value) + [Data(value.utf8).base64EncodedString()]
        var streams: [(String, String)] = []
        func ars(_ arguments: [String], stdin: String = "") throws {
            let output = try lane.ars(arguments, stdin: stdin)
            streams.append((arguments.joined(separator: " "), output.stdout + output.stderr))
        }
        let secret = ["-n", "agentrun-v01", "get", "secret", "agentrun-runner-5qv8d-env"]
        for format in [
            "json", "yaml", "name", "jsonpath={.data}", "go-template={{.data.HWLAB_API_KEY|base64decode}}", "custom-columns=K:.data.*",
        ] {
            try ars(["kubectl"] + secret + ["-o", format])
        }
        try ars(["kubectl", "-n", "agentrun-v01", "describe", "secret", "agentrun-runner-5qv8d-env"])
        try ars(["kubectl", "-n", "agentrun-v01", "get", "pods", "-o", "yaml"])
        try ars(["control-plane", "status", "--full", "--raw"])
        let out = lane.home + "/closeout"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try """
        let s = kubectl -n agentrun-v01 get secret agentrun-runner-5qv8d-env -o json
        evidence "the runner's Secret" s
        echo ${s.data.HWLAB_API_KEY}
        assert s.kind == "Secret"

        """.write(toFile: out + "/secret.ars", atomically: true, encoding: .utf8)
        try ars(["run", out + "/secret.ars", "--evidence", out, "--junit", out + "/junit.xml", "--record", out + "/recording.json"])
        try ars([], stdin: "kubectl -n agentrun-v01 get secret agentrun-runner-5qv8d-env -o yaml\n")

        for (name, text) in streams {
            for needle in needles where text.contains(needle) { Issue.record("\(name) holds '\(needle)'") }
        }
        // Every file of the client: history, context, evidence, JUnit, recording — but not the
        // sandbox server's own storage, which plays the cluster (the Secret lives there).
        let fileCount = Self.sweepFiles(under: lane.home, for: needles, skipping: "state/ars/sandbox/server")
        #expect(streams.count >= 10)
        #expect(fileCount >= 4, "evidence, JUnit and the recording were swept")
        #expect(FileManager.default.fileExists(atPath: out + "/evidence.md"))
    }

    /// Scans every file under `folder` (but those under `skipping`) for any of `needles`,
    /// recording each file that holds one; returns how many files were read.
    static func sweepFiles(under folder: String, for needles: [String], skipping: String? = nil) -> Int {
        let files = FileManager.default.enumerator(atPath: folder)
        var count = 0
        while let relative = files?.nextObject() as? String {
            if let skipping, relative.hasPrefix(skipping) { continue }
            let path = folder + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let data = FileManager.default.contents(atPath: path)
            else { continue }
            count += 1
            let text = String(decoding: data, as: UTF8.self)
            if let needle = needles.first(where: text.contains) { Issue.record("\(relative) holds '\(needle)'") }
        }
        return count
    }
}
