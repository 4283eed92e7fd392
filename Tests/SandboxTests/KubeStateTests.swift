import Foundation
import Testing

extension KubeTests {
    /// The cluster's state: seeded once into `kube.sqlite`, kept across restarts, reseeded when the
    /// scenario changes; `--scenario` folders and their failures.
    @Suite("Kubernetes API: state and scenarios")
    struct KubeStateTests {
        /// A scenario folder holding copies of some default-scenario files and optional README text.
        static func scenario(_ files: [String], readme: String? = nil, extra: [String: String] = [:]) throws -> URL {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ars-kube-scenario-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in files {
                try FileManager.default.copyItem(
                    at: KubeSandbox.scenarioFolder.appendingPathComponent(file), to: folder.appendingPathComponent(file))
            }
            if let readme { try readme.write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8) }
            for (name, text) in extra { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
            return folder
        }

        @Test("mutations survive a restart; resourceVersions and the clock go on; each start has a new token")
        func restart() async throws {
            let first = try await KubeSandbox()
            let firstToken = first.token
            _ = try first.kubectl(["create", "-f", "-"], stdin: pipelineRunManifest(name: "kept"))
            try await first.advance(seconds: 30)
            let timedOut = first.real("agentrun-v01-ci-e6f1b38")
            _ = try first.kubectl(["-n", "agentrun-ci", "delete", "pr", timedOut])
            _ = try first.kubectl(["-n", "argocd", "annotate", "app", "agentrun-g14-v01", "argocd.argoproj.io/refresh=normal"])
            let before = try first.json(["-n", "agentrun-ci", "get", "pr", "kept"])
            #expect(await first.stop() == 0)
            #expect(FileManager.default.fileExists(atPath: first.stateDirectory.appendingPathComponent("kube.sqlite").path))

            let second = try await KubeSandbox(stateDirectory: first.stateDirectory)
            do {
                #expect(second.token != firstToken)
                #expect(second.now >= "2025-11-18T09:00:30", "the clock resumes after the last write (\(second.now))")
                let stale = try await second.raw("GET", "/k8s/\(firstToken)/api")
                #expect(stale.status == 401, "the old token is gone")
                #expect(try second.json(["-n", "agentrun-ci", "get", "pr", "kept"]) == before)
                #expect(try second.kubectl(["-n", "agentrun-ci", "get", "pr", timedOut]).status == 1)
                #expect(try second.kubectl(["get", "pv", "pvc-f56023af-09e4-4c43-abb0-1cedd5c61a04"]).status == 1)
                #expect(
                    try second.json(["-n", "argocd", "get", "app", "agentrun-g14-v01"])["metadata"]["annotations"][
                        "argocd.argoproj.io/refresh"
                    ].string == "normal")

                // The run and the refresh go on where they were.
                try await second.advance(seconds: 60)
                let done = try second.json(["-n", "agentrun-ci", "get", "pr", "kept"])
                #expect(KubeSimulationTests.succeeded(done)["status"].string == "True")
                #expect(done["status"]["completionTime"].string == "2025-11-18T09:01:30Z")
                let app = try second.json(["-n", "argocd", "get", "app", "agentrun-g14-v01"])
                #expect(app["metadata"]["annotations"] == .missing)
                #expect(app["status"]["reconciledAt"].string == "2025-11-18T09:00:33Z")
                let created = try second.kubectl(["create", "-f", "-"], stdin: pipelineRunManifest(name: "after-restart"))
                #expect(created.status == 0)
                let next = try second.json(["-n", "agentrun-ci", "get", "pr", "after-restart"])
                #expect(
                    Int(next["metadata"]["resourceVersion"].string ?? "") ?? 0 > Int(done["metadata"]["resourceVersion"].string ?? "")
                        ?? .max)
            } catch {
                _ = await second.stop()
                throw error
            }
            #expect(await second.stop() == 0)
            try? FileManager.default.removeItem(at: second.stateDirectory)
        }

        @Test("--scenario DIR replaces the default: its documents only, its NOW, non-JSON files ignored; back to the default reseeds")
        func otherScenario() async throws {
            let folder = try Self.scenario(
                ["unidesk-service-g14-provider-egress-proxy.json", "agentrun-v01-endpoints-agentrun-manager.json"],
                readme: "# two documents\n\nReference clock: **NOW = `2030-06-01T12:00:00Z`**.\n",
                extra: ["notes.txt": "{ not json, ignored"])
            defer { try? FileManager.default.removeItem(at: folder) }
            let state = FileManager.default.temporaryDirectory.appendingPathComponent("ars-kube-test-\(UUID().uuidString)")
            let sandbox = try await KubeSandbox(stateDirectory: state, scenario: folder)
            do {
                #expect(sandbox.now == "2030-06-01T12:00:00.000Z")
                let service = try sandbox.kubectl(["-n", "unidesk", "get", "service", "g14-provider-egress-proxy", "-o", "json"])
                let fixture = try String(
                    contentsOf: folder.appendingPathComponent("unidesk-service-g14-provider-egress-proxy.json"), encoding: .utf8)
                #expect(service.stdout == (try sandbox.expected(fixture: fixture)))
                #expect(try sandbox.names(["get", "pods", "-A"]).isEmpty)
                #expect(try sandbox.names(["get", "pipelineruns", "-A"]).isEmpty)
                #expect(try sandbox.names(["get", "endpoints", "-A"]) == ["agentrun-manager"])
                #expect(
                    try sandbox.names(["get", "namespaces"]) == [
                        "agentrun-v01", "default", "kube-node-lease", "kube-public", "kube-system", "unidesk",
                    ])
                _ = try sandbox.kubectl(["-n", "unidesk", "delete", "service", "g14-provider-egress-proxy"])
            } catch {
                _ = await sandbox.stop()
                throw error
            }
            #expect(await sandbox.stop() == 0)

            let again = try await KubeSandbox(stateDirectory: state, scenario: folder)
            #expect(try again.names(["get", "services", "-A"]).isEmpty, "same scenario: the state is kept")
            #expect(await again.stop() == 0)

            let reseeded = try await KubeSandbox(stateDirectory: state)
            #expect(
                try reseeded.names(["get", "services", "-A"]) == ["agentrun-manager", "agentrun-manager", "g14-provider-egress-proxy"],
                "another scenario: reseeded")
            #expect(reseeded.now == "2025-11-18T09:00:00.000Z", "a reseeded cluster starts at its scenario's NOW")
            #expect(await reseeded.stop() == 0)
            try? FileManager.default.removeItem(at: state)
        }

        @Test("a .json file that does not parse stops the start (exit 1) naming file:line:col; a kind the sandbox does not serve too")
        func badScenario() async throws {
            let broken = try Self.scenario(
                [], extra: ["broken.json": "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [ {\"a\": 1,}\n]}\n"])
            let unknown = try Self.scenario([], extra: ["node.json": #"{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "g14"}}"#])
            defer {
                try? FileManager.default.removeItem(at: broken)
                try? FileManager.default.removeItem(at: unknown)
            }
            for (folder, message) in [
                (broken, "\(broken.path)/broken.json:4:22: expected a string key"),
                (unknown, "node.json: item 0: Node (v1) is not a kind the sandbox serves"),
            ] {
                let state = FileManager.default.temporaryDirectory.appendingPathComponent("ars-kube-bad-\(UUID().uuidString)")
                let log = FileManager.default.temporaryDirectory.appendingPathComponent("ars-kube-bad-\(UUID().uuidString).log")
                let launched = try SandboxInstance.launch(
                    arguments: ["--state", state.path, "--port", "0", "--scenario", folder.path],
                    environment: [SandboxInstance.apiKeyVariable: SandboxInstance.apiKey], log: log)
                var status: Int32 = -1
                for await code in launched.exitCode { status = code }
                let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                #expect(status == 1)
                #expect(stderr.contains(message), "\(stderr)")
                try? FileManager.default.removeItem(at: state)
                try? FileManager.default.removeItem(at: log)
            }
        }
    }
}
