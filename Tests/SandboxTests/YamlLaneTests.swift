import Foundation
@testable import SandboxCore
import Testing

/// The YAML-only lane v02 every sandbox serves beside v01: its git branches, its Secret source
/// file, its cluster objects through the real kubectl, and Argo CD's directory sync.
@Suite("YAML-only lane v02: git branches")
struct YamlLaneGitTests {
    /// The sync revision the scenario's v02 Application names: the GitOps branch's only commit.
    static let gitopsRoot = "06a04902f4fc31d73365c284594a6694215f01b6"

    @Test("origin gains v0.2 (v0.1's head + the legacy descriptor) and v0.2-gitops (a README only); the worktree is not made")
    func branches() throws {
        let scratch = try Scratch()
        let repos = try ScenarioRepositories.prepare(directory: scratch.path, documents: Scenario.documents())
        let remote = try git(["ls-remote", repos.originPath])
        let source = try #require(repos.branchHead("v0.2"))
        let gitops = try #require(repos.branchHead("v0.2-gitops"))
        #expect(remote.contains("\(source)\trefs/heads/v0.2\n"))
        #expect(remote.contains("\(gitops)\trefs/heads/v0.2-gitops"))

        // v0.2: exactly one commit on top of v0.1's head, adding deploy/deploy.json.
        #expect(try git(["rev-parse", "v0.2^"], gitDir: repos.originPath) == repos.sourceCommits.last)
        #expect(try git(["log", "-1", "--format=%s", "v0.2"], gitDir: repos.originPath) == "deploy: lane v02 descriptor (legacy)")
        #expect(
            try git(["log", "-1", "--format=%an <%ae>", "v0.2"], gitDir: repos.originPath) == "AgentRun Sandbox <sandbox@agentrun.invalid>")
        #expect(try git(["diff", "--name-status", "v0.2^", "v0.2"], gitDir: repos.originPath) == "A\tdeploy/deploy.json")
        let descriptor = try git(["show", "v0.2:deploy/deploy.json"], gitDir: repos.originPath)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(descriptor.utf8)) as? [String: Any])
        #expect(parsed["lane"] as? String == "v02")
        #expect(parsed["namespace"] as? String == "agentrun-v02")
        #expect(parsed["image"] as? String == "registry.d601.unidesk.invalid/agentrun/manager")
        #expect(parsed["replicas"] as? Int == 1)

        // v0.2-gitops: one root commit with README.md only, the id the scenario's Application names.
        #expect(gitops == Self.gitopsRoot)
        #expect(try git(["ls-tree", "-r", "--name-only", "v0.2-gitops"], gitDir: repos.originPath) == "README.md")
        #expect(try git(["show", "v0.2-gitops:README.md"], gitDir: repos.originPath).contains("written by ars control-plane apply"))
        let application = try String(
            contentsOf: KubeSandbox.scenarioFolder.appendingPathComponent("argocd-application-agentrun-local-v02.json"), encoding: .utf8)
        #expect(application.contains("\"revision\": \"\(Self.gitopsRoot)\""))

        #expect(repos.yamlLaneWorktreePath == scratch.path + "/agentrun-v02")
        #expect(!FileManager.default.fileExists(atPath: repos.yamlLaneWorktreePath))
        // v0.1's own machinery is untouched: same commits, same manifest.
        #expect(try git(["rev-parse", "v0.1"], gitDir: repos.originPath) == repos.sourceCommits.last)
        #expect(repos.rewrite("6e0b3f9a2d4c8e1f7a5b9c0d3e2f1a4b8c7d6e5f") == "6e0b3f9a2d4c8e1f7a5b9c0d3e2f1a4b8c7d6e5f", "legacy tag kept")
    }

    @Test("reopening keeps what was pushed to the lane's branches, and adds them to state from before the lane")
    func reopenKeepsPushes() throws {
        let scratch = try Scratch()
        let repos = try ScenarioRepositories.prepare(directory: scratch.path, documents: Scenario.documents())
        let pushed = try pushFile(origin: repos.originPath, branch: "v0.2-gitops", path: "deploy/agentrun-v02/x.yaml", text: "a: 1\n")
        let again = try ScenarioRepositories.prepare(directory: scratch.path, documents: Scenario.documents())
        #expect(!again.freshlyBuilt)
        #expect(again.branchHead("v0.2-gitops") == pushed)

        // State built before the lane existed: its branches are added on reopen, the same as new.
        let source = try #require(repos.branchHead("v0.2"))
        _ = try git(["update-ref", "-d", "refs/heads/v0.2"], gitDir: repos.originPath)
        _ = try git(["update-ref", "-d", "refs/heads/v0.2-gitops"], gitDir: repos.originPath)
        let old = try ScenarioRepositories.prepare(directory: scratch.path, documents: Scenario.documents())
        #expect(!old.freshlyBuilt)
        #expect(old.branchHead("v0.2") == source)
        #expect(old.branchHead("v0.2-gitops") == YamlLaneGitTests.gitopsRoot)
    }

    @Test("the Secret source: folder 0700, file 0600, both keys with one password, kept as it is once written")
    func secretSource() throws {
        let scratch = try Scratch()
        let state = URL(fileURLWithPath: scratch.path)
        let path = try YamlLane.writeSecretSource(stateDirectory: state)
        #expect(path == scratch.path + "/secrets/agentrun-v02-db.env")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let password = try #require(Self.value("POSTGRES_PASSWORD", in: text))
        #expect(password.count == 32)
        #expect(password.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        #expect(
            Self.value("DATABASE_URL", in: text)
                == "postgres://agentrun:\(password)@platform-db.d601.unidesk.invalid:5432/agentrun_v02?sslmode=require")
        #expect(text.hasPrefix("# Materialised by platform-db postgres export-secrets (sandbox: invented values)\n"))
        #expect(try Self.mode(path) == 0o600)
        #expect(try Self.mode(scratch.path + "/secrets") == 0o700)
        try YamlLane.writeSecretSource(stateDirectory: state)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text, "never rewritten")
    }

    static func value(_ key: String, in dotenv: String) -> String? {
        dotenv.split(separator: "\n").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    static func mode(_ path: String) throws -> Int {
        ((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? 0) & 0o777
    }
}

/// Commits `text` at `path` on `branch` of `origin` from a fresh clone, pushes, and answers the commit.
@discardableResult
func pushFile(origin: String, branch: String, path: String, text: String, message: String = "a change") throws -> String {
    let clone = FileManager.default.temporaryDirectory.appendingPathComponent("ars-push-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: clone) }
    _ = try git(["clone", "--quiet", "--branch", branch, origin, clone])
    let file = URL(fileURLWithPath: clone).appendingPathComponent(path)
    try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: file, atomically: true, encoding: .utf8)
    _ = try git(["add", path], in: clone)
    _ = try git(["-c", "user.name=Test", "-c", "user.email=t@example.invalid", "commit", "--quiet", "-m", message], in: clone)
    _ = try git(["push", "--quiet", "origin", branch], in: clone)
    return try git(["rev-parse", "HEAD"], in: clone)
}

extension KubeTests {
    @Suite("YAML-only lane v02 through kubectl")
    struct YamlLaneKubeTests {
        static let deployment = ["-n", "agentrun-v02", "get", "deployment", "agentrun-manager"]
        static let app = ["-n", "argocd", "get", "applications.argoproj.io", "agentrun-local-v02"]
        static let oldPassword = "bGVnYWN5LXYwMi1wZy1RbTd0UjJ4VzlrTGM="

        @Test(
            "the announcement's yamlLane, the lane's objects, Secret apply, rollout restart; a restart keeps the pushed branch and the file"
        )
        func lane() async throws {
            let sandbox = try await KubeSandbox(speed: SandboxInstance.speed)
            let state = sandbox.stateDirectory.standardizedFileURL.path
            do {
                // The announcement, exactly.
                let lane = sandbox.announcement["yamlLane"]
                #expect(lane["namespace"].string == "agentrun-v02")
                #expect(lane["sourceBranch"].string == "v0.2")
                #expect(lane["gitopsBranch"].string == "v0.2-gitops")
                #expect(lane["gitopsPath"].string == "deploy/agentrun-v02")
                #expect(lane["worktree"].string == state + "/git/agentrun-v02")
                #expect(lane["argoApp"].string == "argocd/agentrun-local-v02")
                #expect(lane["secretSource"].string == state + "/secrets/agentrun-v02-db.env")
                #expect(lane["secretName"].string == "agentrun-v02-db")
                #expect(!FileManager.default.fileExists(atPath: state + "/git/agentrun-v02"))
                let secretFile = state + "/secrets/agentrun-v02-db.env"
                #expect(try YamlLaneGitTests.mode(secretFile) == 0o600)
                let dotenv = try String(contentsOfFile: secretFile, encoding: .utf8)
                let password = try #require(YamlLaneGitTests.value("POSTGRES_PASSWORD", in: dotenv))
                #expect(YamlLaneGitTests.value("DATABASE_URL", in: dotenv)?.contains(":\(password)@") == true)

                // The objects.
                #expect(try sandbox.names(["get", "namespaces"]).contains("agentrun-v02"))
                let live = try sandbox.json(Self.deployment)
                #expect(live["status"]["readyReplicas"].int == 1 && live["status"]["availableReplicas"].int == 1)
                let container = live["spec"]["template"]["spec"]["containers"][0]
                #expect(container["name"].string == "manager")
                #expect(
                    container["image"].string == "registry.d601.unidesk.invalid/agentrun/manager:6e0b3f9a2d4c8e1f7a5b9c0d3e2f1a4b8c7d6e5f")
                #expect(container["env"][2]["valueFrom"]["secretKeyRef"]["name"].string == "agentrun-v02-db")
                #expect(try sandbox.names(["-n", "agentrun-v02", "get", "endpoints"]) == ["agentrun-manager"])
                let application = try sandbox.json(Self.app)
                #expect(application["status"]["sync"]["status"].string == "Synced")
                #expect(application["status"]["health"]["status"].string == "Healthy")
                #expect(
                    application["status"]["sync"]["revision"].string == (try git(["rev-parse", "v0.2-gitops"], gitDir: sandbox.origin)))

                // The Secret: the old value only; apply (GET, then a strategic merge PATCH) changes one key and adds one.
                let secret = try sandbox.json(["-n", "agentrun-v02", "get", "secret", "agentrun-v02-db"])
                #expect(secret["data"] == .object(["POSTGRES_PASSWORD": .string(Self.oldPassword)]))
                #expect(secret["type"].string == "Opaque")
                let new = Data(password.utf8).base64EncodedString()
                let url = Data("postgres://agentrun:\(password)@db/agentrun_v02".utf8).base64EncodedString()
                let manifest = #"""
                    {"apiVersion":"v1","kind":"Secret","type":"Opaque",
                     "metadata":{"name":"agentrun-v02-db","namespace":"agentrun-v02"},
                     "data":{"POSTGRES_PASSWORD":"\#(new)","DATABASE_URL":"\#(url)"}}
                    """#
                let applied = try sandbox.kubectl(["apply", "-f", "-"], stdin: manifest)
                #expect(applied.status == 0, "\(applied.stderr)")
                #expect(applied.stdout == "secret/agentrun-v02-db configured\n")
                let synced = try sandbox.json(["-n", "agentrun-v02", "get", "secret", "agentrun-v02-db"])
                #expect(synced["data"] == .object(["POSTGRES_PASSWORD": .string(new), "DATABASE_URL": .string(url)]))
                #expect(synced["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"].string?.contains(new) == true)
                let again = try sandbox.kubectl(["apply", "-f", "-"], stdin: manifest)
                #expect(again.stdout == "secret/agentrun-v02-db unchanged\n")
                let created = try sandbox.kubectl(
                    ["apply", "-f", "-"],
                    stdin:
                        #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"extra","namespace":"agentrun-v02"},"stringData":{"K":"v"}}"#
                )
                #expect(created.stdout == "secret/extra created\n", "\(created.stderr)")
                #expect(try sandbox.json(["-n", "agentrun-v02", "get", "secret", "extra"])["data"] == .object(["K": .string("dg==")]))

                // rollout restart, then rollout status returns: a new ReplicaSet with its pod ready, the old one at 0.
                let restart = try sandbox.kubectl(["-n", "agentrun-v02", "rollout", "restart", "deployment/agentrun-manager"])
                #expect(restart.stdout == "deployment.apps/agentrun-manager restarted\n", "\(restart.stderr)")
                let status = try sandbox.kubectl([
                    "-n", "agentrun-v02", "rollout", "status", "deployment/agentrun-manager", "--timeout=60s",
                ])
                #expect(status.status == 0, "\(status.stderr)")
                #expect(status.stdout.hasSuffix("deployment \"agentrun-manager\" successfully rolled out\n"))
                let sets = try sandbox.json(["-n", "agentrun-v02", "get", "replicasets"])["items"].array
                #expect(sets.count == 2)
                let old = sets.first { $0["metadata"]["name"].string == "agentrun-manager-58c9d7bf4k" }
                #expect(old?["spec"]["replicas"].int == 0)
                let fresh = sets.first { $0["metadata"]["name"].string != "agentrun-manager-58c9d7bf4k" }
                #expect(fresh?["status"]["readyReplicas"].int == 1)
                let pods = try sandbox.json(["-n", "agentrun-v02", "get", "pods"])["items"].array
                #expect(pods.count == 1)
                #expect(pods.first?["metadata"]["name"].string?.hasPrefix((fresh?["metadata"]["name"].string ?? "?") + "-") == true)
                #expect(
                    pods.first?["status"]["conditions"].array.contains { $0["type"].string == "Ready" && $0["status"].string == "True" }
                        == true)

                // Restart on the same state: the pushed branch and the Secret file stay as they are.
                let pushed = try pushFile(origin: sandbox.origin, branch: "v0.2", path: "CHANGE.md", text: "pushed\n")
                #expect(await sandbox.stop() == 0)
                let restarted = try await KubeSandbox(stateDirectory: sandbox.stateDirectory, speed: SandboxInstance.speed)
                #expect(try git(["rev-parse", "v0.2"], gitDir: restarted.origin) == pushed)
                #expect(try String(contentsOfFile: secretFile, encoding: .utf8) == dotenv)
                #expect(restarted.announcement["yamlLane"] == lane)
                #expect(await restarted.stop() == 0)
                try? FileManager.default.removeItem(at: sandbox.stateDirectory)
            } catch {
                _ = await sandbox.stop()
                Issue.record("sandbox state and log kept in \(sandbox.stateDirectory.path)")
                throw error
            }
        }

        @Test(
            "Argo CD syncs the lane's folder at a new head of v0.2-gitops: the Deployment takes the image and rolls out; a bad file is OutOfSync"
        )
        func directorySync() async throws {
            try await withKubeSandbox { sandbox in
                let v01Before = try sandbox.json(["-n", "argocd", "get", "applications.argoproj.io", "agentrun-g14-v01"])
                let image = "registry.d601.unidesk.invalid/agentrun/manager:0123456789abcdef0123456789abcdef01234567"
                let manifest = """
                    # The manager of lane v02, written by ars control-plane apply.
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata:
                      name: agentrun-manager
                      labels:
                        app.kubernetes.io/name: agentrun-manager
                        app.kubernetes.io/instance: agentrun-v02
                    spec:
                      replicas: 1
                      selector:
                        matchLabels:
                          app.kubernetes.io/name: agentrun-manager
                          app.kubernetes.io/instance: agentrun-v02
                      template:
                        metadata:
                          labels:
                            app.kubernetes.io/name: agentrun-manager
                            app.kubernetes.io/instance: agentrun-v02
                        spec:
                          containers:
                            - name: manager
                              image: \(image)
                              ports:
                                - containerPort: 8080
                                  name: http
                    ---
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: agentrun-manager-settings
                    data:
                      PORT: "8080"

                    """
                let pushed = try pushFile(
                    origin: sandbox.origin, branch: "v0.2-gitops", path: "deploy/agentrun-v02/manager-deployment.yaml", text: manifest)
                let refresh = [
                    "-n", "argocd", "annotate", "applications.argoproj.io", "agentrun-local-v02", "argocd.argoproj.io/refresh=hard",
                ]
                #expect(try sandbox.kubectl(refresh).status == 0)
                try await sandbox.advance(seconds: 3)

                let app = try sandbox.json(Self.app)["status"]
                #expect(app["sync"]["revision"].string == pushed)
                #expect(app["sync"]["status"].string == "Synced")
                #expect(app["operationState"]["syncResult"]["revision"].string == pushed)
                #expect(app["history"].array.last?["revision"].string == pushed)
                #expect(app["history"].array.last?["id"].int == 2)
                #expect(app["health"]["status"].string == "Progressing")
                #expect(
                    app["resources"].array.map { "\($0["kind"].string ?? "")/\($0["name"].string ?? "")" } == [
                        "ConfigMap/agentrun-manager-settings", "Deployment/agentrun-manager",
                    ])
                #expect(
                    app["operationState"]["syncResult"]["resources"].array.compactMap { $0["message"].string } == [
                        "configmap/agentrun-manager-settings created", "deployment.apps/agentrun-manager configured",
                    ])
                #expect(app["summary"]["images"] == .array([.string(image)]))
                let rolling = try sandbox.json(Self.deployment)
                #expect(rolling["spec"]["template"]["spec"]["containers"][0]["image"].string == image)
                #expect(rolling["metadata"]["annotations"]["deployment.kubernetes.io/revision"].string == "2")
                #expect(
                    rolling["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"].string
                        == "agentrun-local-v02:apps/Deployment:agentrun-v02/agentrun-manager")
                #expect(
                    try sandbox.json(["-n", "agentrun-v02", "get", "configmap", "agentrun-manager-settings"])["data"]["PORT"].string
                        == "8080")

                try await sandbox.advance(seconds: 16)
                let done = try sandbox.json(Self.deployment)
                #expect(done["status"]["updatedReplicas"].int == 1 && done["status"]["availableReplicas"].int == 1)
                let pods = try sandbox.json(["-n", "agentrun-v02", "get", "pods"])["items"].array
                #expect(pods.count == 1 && pods.first?["spec"]["containers"][0]["image"].string == image)
                #expect(try sandbox.json(Self.app)["status"]["health"]["status"].string == "Healthy")
                // The v01 Application still follows v0.1-gitops (same revision, nothing synced).
                let v01 = try sandbox.json(["-n", "argocd", "get", "applications.argoproj.io", "agentrun-g14-v01"])
                #expect(v01["status"]["sync"] == v01Before["status"]["sync"])
                #expect(v01["status"]["history"] == v01Before["status"]["history"])

                // A file that does not parse: OutOfSync, the condition names it; the cluster is left alone.
                let broken = try pushFile(
                    origin: sandbox.origin, branch: "v0.2-gitops", path: "deploy/agentrun-v02/broken.yaml", text: "kind: [unclosed\n")
                #expect(try sandbox.kubectl(refresh + ["--overwrite"]).status == 0)
                try await sandbox.advance(seconds: 3)
                let failed = try sandbox.json(Self.app)["status"]
                #expect(failed["sync"]["revision"].string == broken)
                #expect(failed["sync"]["status"].string == "OutOfSync")
                #expect(failed["conditions"][0]["type"].string == "ComparisonError")
                let message = failed["conditions"][0]["message"].string ?? ""
                #expect(message.contains("deploy/agentrun-v02/broken.yaml: 2:1:"), "\(message)")
                #expect(failed["history"].array.count == 2, "no sync recorded")
            }
        }
    }
}
