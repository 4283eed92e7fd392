import Foundation
import Testing

extension KubeTests {
    /// Watches: `kubectl wait` and `kubectl get -w` see the simulated controllers' writes as they
    /// fall due on the sandbox clock.
    @Suite("Kubernetes API: watch and logs")
    struct KubeWatchTests {
        @Test("kubectl wait --for=condition=Succeeded returns once the run succeeds; --for=delete once it is gone")
        func kubectlWait() async throws {
            try await withKubeSandbox { sandbox in
                #expect(try sandbox.kubectl(["create", "-f", "-"], stdin: pipelineRunManifest(name: "awaited")).status == 0)
                let waiting = Task.detached {
                    try sandbox.kubectl(["-n", "agentrun-ci", "wait", "--for=condition=Succeeded", "pipelinerun/awaited", "--timeout=60s"])
                }
                try await Task.sleep(for: .milliseconds(700))
                try await sandbox.advance(seconds: 30)
                try await sandbox.advance(seconds: 60)
                let met = try await waiting.value
                #expect(met.status == 0, "\(met.stderr)")
                #expect(met.stdout == "pipelinerun.tekton.dev/awaited condition met\n")

                let gone = Task.detached {
                    try sandbox.kubectl(["-n", "agentrun-ci", "wait", "--for=delete", "pod/awaited-build-image-pod", "--timeout=60s"])
                }
                try await Task.sleep(for: .milliseconds(700))
                #expect(try sandbox.kubectl(["-n", "agentrun-ci", "delete", "pr", "awaited"]).status == 0)
                let deleted = try await gone.value
                #expect(deleted.status == 0, "\(deleted.stderr)")
                #expect(deleted.stdout == "pod/awaited-build-image-pod condition met\n")
            }
        }

        @Test("a watch from a resourceVersion replays ADDED, MODIFIED and DELETED in order; as=Table sends one-row Tables")
        func rawWatch() async throws {
            try await withKubeSandbox { sandbox in
                let base = "/k8s/\(sandbox.token)/apis/tekton.dev/v1/namespaces/agentrun-ci/pipelineruns"
                let start = try await sandbox.raw("GET", base).json["metadata"]["resourceVersion"].string ?? ""
                #expect(try sandbox.kubectl(["create", "-f", "-"], stdin: pipelineRunManifest(name: "watched")).status == 0)
                try await sandbox.advance(seconds: 1)
                #expect(try sandbox.kubectl(["-n", "agentrun-ci", "delete", "pr", "watched"]).status == 0)

                let stream = try await sandbox.raw("GET", base + "?watch=true&resourceVersion=\(start)&timeoutSeconds=1")
                #expect(stream.status == 200)
                let events = stream.text.split(separator: "\n").map { JSON(data: Data($0.utf8)) }
                #expect(events.map { $0["type"].string ?? "" } == ["ADDED", "MODIFIED", "DELETED"])
                #expect(events.allSatisfy { $0["object"]["metadata"]["name"].string == "watched" })
                let versions = events.compactMap { Int($0["object"]["metadata"]["resourceVersion"].string ?? "") }
                #expect(versions == versions.sorted() && Set(versions).count == 3)

                let named = try await sandbox.raw(
                    "GET", base + "?watch=true&fieldSelector=metadata.name%3Dnone&timeoutSeconds=1",
                    headers: [("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")])
                #expect(named.text.isEmpty, "no current object of that name")
                let tables = try await sandbox.raw(
                    "GET", base + "?watch=true&labelSelector=tekton.dev%2Fpipeline%3Dagentrun-v01-ci&timeoutSeconds=1",
                    headers: [("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")])
                let rows = tables.text.split(separator: "\n").map { JSON(data: Data($0.utf8)) }
                #expect(rows.count == 6, "every current run first, as ADDED")
                #expect(
                    rows.allSatisfy {
                        $0["type"].string == "ADDED" && $0["object"]["kind"].string == "Table" && $0["object"]["rows"].array.count == 1
                    })

                let expired = try await sandbox.raw("GET", base + "?watch=true&resourceVersion=1")
                #expect(expired.status == 410)
                #expect(expired.json["reason"].string == "Expired")
            }
        }

        @Test("kubectl logs of a pod prints its (empty) log; of a missing pod, NotFound")
        func logs() async throws {
            try await withKubeSandbox { sandbox in
                let log = try sandbox.kubectl(["-n", "agentrun-v01", "logs", "agentrun-manager-74q4grvdk9-btqpq"])
                #expect(log.status == 0, "\(log.stderr)")
                #expect(log.stdout.isEmpty)
                let missing = try sandbox.kubectl(["-n", "agentrun-v01", "logs", "nope"])
                #expect(missing.status == 1)
                #expect(missing.stderr == "error: error from server (NotFound): pods \"nope\" not found in namespace \"agentrun-v01\"\n")
            }
        }
    }
}
