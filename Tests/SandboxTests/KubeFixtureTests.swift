import Foundation
@testable import SandboxCore
import Testing

extension KubeTests {
    /// The real kubectl against the sandbox's Kubernetes API on the default scenario: every command
    /// of the scenario README's table prints exactly the fixture's bytes, and kubectl's framing of
    /// errors, empty lists, tables and auth failures is the real one.
    @Suite("Kubernetes API: fixtures through kubectl")
    struct KubeFixtureTests {
        /// One row of the README's "Files and the command each one answers" table.
        struct Row: Sendable, CustomStringConvertible {
            let file: String
            let arguments: [String]
            var description: String { "\(file): kubectl \(arguments.joined(separator: " "))" }
        }

        /// The table's rows, read from the README itself; the refresh-pending row ("same command, ~7 s
        /// after …") is an earlier state of the same Application and has its own test.
        static let rows: [Row] = {
            let readme = (try? String(contentsOf: KubeSandbox.scenarioFolder.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
            return readme.split(separator: "\n").compactMap { line -> Row? in
                let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                guard cells.count == 2, cells[0].hasPrefix("`"), cells[0].hasSuffix(".json`"), cells[1].hasPrefix("`kubectl ") else {
                    return nil
                }
                // The command is the first code span of the cell (a remark may follow it).
                let command = cells[1].dropFirst("`kubectl ".count).prefix { $0 != "`" }
                return Row(file: String(cells[0].dropFirst().dropLast()), arguments: command.split(separator: " ").map(String.init))
            }
        }()

        @Test("the README's table names every fixture file but the refresh-pending state")
        func tableCoversFixtures() throws {
            let files = try FileManager.default.contentsOfDirectory(atPath: KubeSandbox.scenarioFolder.path).filter {
                $0.hasSuffix(".json")
            }
            #expect(Set(Self.rows.map(\.file)) == Set(files).subtracting(["argocd-application-agentrun-g14-v01.refresh-pending.json"]))
            #expect(Self.rows.count == 26)
        }

        /// When the sandbox built git repositories for the scenario, the documents it serves carry the
        /// real commit ids; the expectation is then the fixture with the same rewrite (a list's items
        /// re-sorted, as renamed runs sort differently). Without repositories it is the fixture itself.
        @Test("every command of the README prints exactly the fixture's bytes, exit 0, nothing on stderr")
        func fixturesByteForByte() async throws {
            try await withKubeSandbox { sandbox in
                for row in Self.rows {
                    let fixture = try String(contentsOf: KubeSandbox.scenarioFolder.appendingPathComponent(row.file), encoding: .utf8)
                    let expected = try sandbox.expected(fixture: fixture)
                    if sandbox.commitMap.isEmpty { #expect(expected == fixture) }
                    let result = try sandbox.kubectl(row.arguments)
                    #expect(result.status == 0, "\(row)")
                    #expect(result.stderr.isEmpty, "\(row): \(result.stderr)")
                    #expect(result.stdout == expected, "\(row) differs")
                    if result.stdout != expected {
                        try? result.stdout.write(toFile: sandbox.stateDirectory.path + "/" + row.file, atomically: true, encoding: .utf8)
                    }
                }
            }
        }

        @Test("the listening line carries the kubeconfig (mode 0600) and the scenario's NOW when --now is not given")
        func listeningLine() async throws {
            try await withKubeSandbox { sandbox in
                #expect(Set(["event", "url", "pid", "kubeconfig", "now"]).isSubset(of: sandbox.announcement.keys))
                #expect(sandbox.now == "2025-11-18T09:00:00.000Z")
                #expect(sandbox.kubeconfig == sandbox.stateDirectory.appendingPathComponent("kubeconfig").path)
                let attributes = try FileManager.default.attributesOfItem(atPath: sandbox.kubeconfig)
                #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
                let text = try String(contentsOfFile: sandbox.kubeconfig, encoding: .utf8)
                #expect(text.contains("server: http://127.0.0.1:\(sandbox.port)/k8s/\(sandbox.token)\n"))
                #expect(text.contains("current-context: sandbox\n"))
                #expect(text.contains("namespace: default\n"))
                #expect(sandbox.token.count == 40)
                let context = try sandbox.kubectl([
                    "config", "view", "--minify", "-o", "jsonpath={.contexts[0].context.namespace}/{.current-context}",
                ])
                #expect(context.stdout == "default/sandbox")
            }
            try await withKubeSandbox(now: "2030-01-02T03:04:05Z") { sandbox in
                #expect(sandbox.now == "2030-01-02T03:04:05.000Z", "--now wins over the scenario")
            }
        }

        @Test("the server reports a k3s v1.32 version, so the kubectl dispatcher picks its 1.32 client")
        func version() async throws {
            try await withKubeSandbox { sandbox in
                let result = try sandbox.kubectl(["version", "-o", "json"])
                #expect(result.status == 0, "\(result.stderr)")
                let version = JSON(data: Data(result.stdout.utf8))
                #expect(version["serverVersion"]["gitVersion"].string?.hasPrefix("v1.32.") == true)
                #expect(version["serverVersion"]["minor"].string == "32")
                #expect(version["clientVersion"]["minor"].string?.hasPrefix("32") == true)
            }
        }

        @Test("a named get of a missing object: exit 1, empty stdout, the apiserver's NotFound line")
        func notFound() async throws {
            try await withKubeSandbox { sandbox in
                let missing = try sandbox.kubectl(["-n", "agentrun-v01", "get", "deployment", "x", "-o", "json"])
                #expect(missing.status == 1)
                #expect(missing.stdout.isEmpty)
                #expect(missing.stderr == "Error from server (NotFound): deployments.apps \"x\" not found\n")
                let pod = try sandbox.kubectl(["-n", "agentrun-ci", "get", "pod", "nope"])
                #expect(pod.stderr == "Error from server (NotFound): pods \"nope\" not found\n")
                let run = try sandbox.kubectl(["-n", "agentrun-ci", "get", "pr", "nope"])
                #expect(run.stderr == "Error from server (NotFound): pipelineruns.tekton.dev \"nope\" not found\n")
                let namespace = try sandbox.kubectl(["-n", "nowhere", "get", "pods", "-o", "json"])
                #expect(namespace.status == 0, "listing an unknown namespace is an empty list, as on a real server")
                #expect(JSON(data: Data(namespace.stdout.utf8))["items"].array.isEmpty)
            }
        }

        @Test("empty lists: JSON with no items and exit 0; the table form says so on stderr")
        func emptyLists() async throws {
            try await withKubeSandbox { sandbox in
                let table = try sandbox.kubectl(["-n", "agentrun-ci", "get", "pipelineruns", "-l", "tekton.dev/pipeline=no-such-pipeline"])
                #expect(table.status == 0)
                #expect(table.stdout.isEmpty)
                #expect(table.stderr == "No resources found in agentrun-ci namespace.\n")
                #expect(try sandbox.names(["get", "jobs", "-A"]).isEmpty)
            }
        }

        @Test("label selectors: =, ==, !=, in, notin, exists, !exists, and field selectors on name and namespace")
        func selectors() async throws {
            try await withKubeSandbox { sandbox in
                let ci = ["-n", "agentrun-ci", "get", "pods"]
                // The server's order is by name; the names carry commit ids the sandbox may have rewritten.
                func ordered(_ names: String...) -> [String] { names.map(sandbox.real).sorted(by: KubeJSON.goOrder) }
                let assistant = "affinity-assistant-fcb176bc64-0"
                let (fetch, test, build) = (
                    "agentrun-v01-ci-3f9c2ab-fetch-source-pod", "agentrun-v01-ci-3f9c2ab-swift-test-pod",
                    "agentrun-v01-ci-8d41e07-build-image-pod"
                )
                let running = sandbox.real("agentrun-v01-ci-3f9c2ab")
                #expect(try sandbox.names(ci) == ordered(assistant, fetch, test, build), "namespace, then name")
                #expect(try sandbox.names(ci + ["-l", "tekton.dev/pipelineRun=\(running)"]) == ordered(assistant, fetch, test))
                #expect(try sandbox.names(ci + ["-l", "tekton.dev/pipelineTask==swift-test"]) == ordered(test))
                #expect(try sandbox.names(ci + ["-l", "tekton.dev/pipelineRun!=\(running)"]) == ordered(build))
                #expect(try sandbox.names(ci + ["-l", "tekton.dev/pipelineTask in (fetch-source,build-image)"]) == ordered(fetch, build))
                #expect(
                    try sandbox.names(ci + ["-l", "tekton.dev/pipelineTask notin (fetch-source,build-image)"]) == ordered(assistant, test),
                    "notin matches a missing label")
                #expect(try sandbox.names(ci + ["-l", "tekton.dev/taskRun"]) == ordered(fetch, test, build))
                #expect(try sandbox.names(ci + ["-l", "!tekton.dev/taskRun"]) == [assistant])
                #expect(
                    try sandbox.names(
                        ci + ["-l", "tekton.dev/pipeline=agentrun-v01-ci,tekton.dev/memberOf=tasks,!app.kubernetes.io/component"])
                        == ordered(fetch, test, build))
                #expect(try sandbox.names(ci + ["--field-selector", "metadata.name=\(sandbox.real(test))"]) == ordered(test))
                #expect(try sandbox.names(ci + ["--field-selector", "status.phase=Running"]) == ordered(assistant, test))
                #expect(
                    try sandbox.names(["get", "pods", "-A", "--field-selector", "metadata.namespace=unidesk"]) == [
                        "g14-provider-egress-proxy-qzjgch86xj-9pvxt"
                    ])
                let across = try sandbox.json(["get", "pods", "-A", "-l", "app.kubernetes.io/name"])["items"].array.map {
                    "\($0["metadata"]["namespace"].string ?? "")/\($0["metadata"]["name"].string ?? "")"
                }
                #expect(
                    across == [
                        "agentrun-v01/agentrun-manager-74q4grvdk9-btqpq", "agentrun-v01/agentrun-runner-5qv8d-z8k96",
                        "agentrun-v02/agentrun-manager-58c9d7bf4k-x7r2m", "unidesk/g14-provider-egress-proxy-qzjgch86xj-9pvxt",
                    ])
                let bad = try sandbox.kubectl(ci + ["-l", "a in b"])
                #expect(bad.status == 1)
                #expect(bad.stderr.contains("unable to parse requirement"))
            }
        }

        @Test("tables for people: the apiserver's and the CRDs' columns, ages on the sandbox clock")
        func tables() async throws {
            try await withKubeSandbox { sandbox in
                let runs = try sandbox.kubectl(["-n", "agentrun-ci", "get", "pr"])
                #expect(runs.status == 0, "\(runs.stderr)")
                let lines = runs.stdout.split(separator: "\n").map {
                    $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                }
                #expect(lines.first == "NAME SUCCEEDED REASON STARTTIME COMPLETIONTIME")
                #expect(lines.contains(sandbox.real("agentrun-v01-ci-8d41e07") + " True Succeeded 28m 17m"))
                #expect(lines.contains(sandbox.real("agentrun-v01-ci-3f9c2ab") + " Unknown Running 5m50s"))
                let volumes = try sandbox.kubectl(["get", "pv"])
                #expect(volumes.stdout.contains("Released"))
                let apps = try sandbox.kubectl(["-n", "argocd", "get", "app"])
                #expect(
                    apps.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") } == [
                        "NAME SYNC STATUS HEALTH STATUS", "agentrun-g14-v01 Synced Healthy", "agentrun-local-v02 Synced Healthy",
                    ])
                let namespaces = try sandbox.names(["get", "namespaces"])
                #expect(
                    namespaces == [
                        "agentrun-ci", "agentrun-v01", "agentrun-v02", "argocd", "default", "kube-node-lease", "kube-public", "kube-system",
                        "unidesk",
                    ])
            }
        }

        @Test("every /k8s request needs this start's token: 401 Status without it; kubectl says it must log in")
        func unauthorized() async throws {
            try await withKubeSandbox { sandbox in
                for path in ["/k8s/api", "/k8s/version", "/k8s/api/v1/namespaces/agentrun-ci/pods", "/k8s/wrong-token/api/v1/pods"] {
                    let reply = try await sandbox.raw("GET", path)
                    #expect(reply.status == 401, "\(path)")
                    #expect(reply.json["kind"].string == "Status")
                    #expect(reply.json["reason"].string == "Unauthorized")
                    #expect(reply.json["code"].int == 401)
                }
                let bearer = try await sandbox.raw(
                    "GET", "/k8s/api/v1/namespaces/argocd/pods", headers: [("Authorization", "Bearer \(sandbox.token)")])
                #expect(bearer.status == 200, "the token also works as a bearer header")
                #expect(bearer.json["kind"].string == "PodList")
                let inPath = try await sandbox.raw(
                    "GET", "/k8s/\(sandbox.token)/apis/tekton.dev/v1/namespaces/agentrun-ci/pipelineruns/nope")
                #expect(inPath.status == 404)
                #expect(inPath.json["message"].string == "pipelineruns.tekton.dev \"nope\" not found")
                #expect(try await sandbox.raw("GET", "/api/v1/healthz").status == 200, "the queue API is untouched")
                #expect(try await sandbox.raw("GET", "/api/v1/tasks").status == 401, "and keeps its own key")

                let forged = sandbox.stateDirectory.appendingPathComponent("forged-kubeconfig").path
                let text = try String(contentsOfFile: sandbox.kubeconfig, encoding: .utf8).replacingOccurrences(
                    of: sandbox.token, with: String(repeating: "ab", count: 20))
                try text.write(toFile: forged, atomically: true, encoding: .utf8)
                let refused = try sandbox.kubectl(["get", "pods"], kubeconfig: forged)
                #expect(refused.status == 1)
                // kubectl reads discovery's 401 without decoding the Status, so it prints client-go's
                // generic text for 401 — as it does against a real apiserver.
                #expect(
                    refused.stderr.contains(
                        "error: You must be logged in to the server (the server has asked for the client to provide credentials)"))
            }
        }
    }
}
