import Digest
import Foundation
@testable import SandboxCore
import Testing

extension KubeTests {
    /// Writes through the real kubectl and the simulated controllers on the sandbox clock (frozen
    /// here: only the tests' clock advances move it).
    @Suite("Kubernetes API: writes and the simulated controllers")
    struct KubeSimulationTests {
        /// The Succeeded condition of a run or TaskRun.
        static func succeeded(_ object: JSON) -> JSON {
            object["status"]["conditions"].array.first { $0["type"].string == "Succeeded" } ?? .missing
        }

        @Test("kubectl create -f -: a PipelineRun starts a second later, runs its tasks, and succeeds 90 s after creation")
        func createRunSucceed() async throws {
            try await withKubeSandbox { sandbox in
                let created = try sandbox.kubectl(["create", "-f", "-"], stdin: pipelineRunManifest())
                #expect(created.status == 0, "\(created.stderr)")
                #expect(created.stderr.isEmpty)
                let name = try #require(
                    created.stdout.firstMatch(of: /^pipelinerun\.tekton\.dev\/(agentrun-v01-ci-[a-z0-9]{5}) created\n$/)?.1
                ).description
                let get = ["-n", "agentrun-ci", "get", "pipelinerun", name]

                let fresh = try sandbox.json(get)
                let uid = try #require(fresh["metadata"]["uid"].string)
                #expect(fresh["metadata"]["creationTimestamp"].string == KubeSandbox.scenarioNow)
                #expect(fresh["metadata"]["generation"].int == 1)
                #expect(fresh["spec"]["timeouts"]["pipeline"].string == "1h0m0s", "webhook default")
                #expect(fresh["spec"]["taskRunTemplate"]["serviceAccountName"].string == "default")
                #expect(fresh["spec"]["workspaces"][0]["volumeClaimTemplate"]["metadata"]["creationTimestamp"].isNull)
                #expect(fresh["status"] == .missing, "no status before the controller saw it")

                try await sandbox.advance(seconds: 1)
                let running = try sandbox.json(get)
                #expect(Self.succeeded(running)["status"].string == "Unknown")
                #expect(Self.succeeded(running)["reason"].string == "Running")
                #expect(
                    Self.succeeded(running)["message"].string == "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 3, Skipped: 0")
                #expect(running["status"]["startTime"].string == "2025-11-18T09:00:01Z")
                #expect(running["metadata"]["labels"]["tekton.dev/pipeline"].string == "agentrun-v01-ci")
                #expect(running["status"]["pipelineSpec"]["tasks"].array.count == 3, "the pipeline's tasks, from the runs before")
                #expect(running["status"]["completionTime"] == .missing)
                #expect(running["metadata"]["generation"].int == 1, "status writes do not bump the generation")

                // The workspace claim: Tekton's name, owned by the run, bound to a new local-path volume.
                let claimName = "pvc-" + SHA256.hex("source" + uid).prefix(10)
                let claim = try sandbox.json(["-n", "agentrun-ci", "get", "pvc", claimName])
                #expect(claim["metadata"]["ownerReferences"][0]["uid"].string == uid)
                #expect(claim["metadata"]["ownerReferences"][0]["controller"].bool == true)
                #expect(claim["metadata"]["labels"] == .missing, "no Tekton labels on the claim")
                #expect(claim["status"]["phase"].string == "Bound")
                let claimUID = try #require(claim["metadata"]["uid"].string)
                let volumeName = "pvc-\(claimUID)"
                #expect(claim["spec"]["volumeName"].string == volumeName)
                let volume = try sandbox.json(["get", "pv", volumeName])
                #expect(volume["spec"]["persistentVolumeReclaimPolicy"].string == "Delete")
                #expect(volume["spec"]["hostPath"]["path"].string == "/var/lib/rancher/k3s/storage/\(volumeName)_agentrun-ci_\(claimName)")
                #expect(volume["spec"]["claimRef"]["uid"].string == claimUID)
                #expect(volume["status"]["phase"].string == "Bound")

                // Pods mounting the claim: the affinity assistant and the first TaskRun's pod.
                let pods = try sandbox.json(["-n", "agentrun-ci", "get", "pods", "-l", "tekton.dev/pipelineRun=\(name)"])["items"].array
                #expect(
                    pods.map { $0["metadata"]["name"].string ?? "" } == [
                        "affinity-assistant-\(SHA256.hex("source" + name).prefix(10))-0", "\(name)-fetch-source-pod",
                    ])
                #expect(pods.allSatisfy { $0["status"]["phase"].string == "Running" })
                #expect(
                    pods.allSatisfy { pod in
                        pod["spec"]["volumes"].array.contains { $0["persistentVolumeClaim"]["claimName"].string == claimName }
                    })
                #expect(try sandbox.names(["-n", "agentrun-ci", "get", "taskruns"]) == ["\(name)-fetch-source"])

                try await sandbox.advance(seconds: 45)
                let halfway = try sandbox.json(get)
                #expect(
                    Self.succeeded(halfway)["message"].string == "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0")
                #expect(
                    halfway["status"]["childReferences"].array.map { $0["pipelineTaskName"].string ?? "" } == [
                        "fetch-source", "swift-test",
                    ])

                try await sandbox.advance(seconds: 43.9)
                #expect(Self.succeeded(try sandbox.json(get))["status"].string == "Unknown", "not before 90 s")
                try await sandbox.advance(seconds: 0.2)
                let done = try sandbox.json(get)
                #expect(Self.succeeded(done)["status"].string == "True")
                #expect(Self.succeeded(done)["reason"].string == "Succeeded")
                #expect(Self.succeeded(done)["message"].string == "Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0")
                #expect(done["status"]["completionTime"].string == "2025-11-18T09:01:30Z")
                #expect(Self.succeeded(done)["lastTransitionTime"].string == "2025-11-18T09:01:30Z")
                let after = try sandbox.json(["-n", "agentrun-ci", "get", "pods", "-l", "tekton.dev/pipelineRun=\(name)"])["items"].array
                #expect(
                    after.map { $0["metadata"]["name"].string ?? "" } == [
                        "\(name)-build-image-pod", "\(name)-fetch-source-pod", "\(name)-swift-test-pod",
                    ], "the affinity assistant is gone")
                #expect(after.allSatisfy { $0["status"]["phase"].string == "Succeeded" })
                #expect(
                    try sandbox.json(["-n", "agentrun-ci", "get", "pvc", claimName])["status"]["phase"].string == "Bound",
                    "the claim stays with the run")

                let again = try sandbox.kubectl(["create", "-f", "-"], stdin: pipelineRunManifest(name: name))
                #expect(again.status == 1)
                #expect(
                    again.stderr
                        == "Error from server (AlreadyExists): error when creating \"STDIN\": pipelineruns.tekton.dev \"\(name)\" already exists\n"
                )
            }
        }

        @Test("a run annotated sandbox.ars/outcome: Failed fails at the end; --dry-run=server stores nothing")
        func failedOutcome() async throws {
            try await withKubeSandbox { sandbox in
                let dry = try sandbox.kubectl(["create", "-f", "-", "--dry-run=server"], stdin: pipelineRunManifest(name: "dry"))
                #expect(dry.stdout == "pipelinerun.tekton.dev/dry created (server dry run)\n")
                #expect(try sandbox.kubectl(["-n", "agentrun-ci", "get", "pr", "dry"]).status == 1)

                let created = try sandbox.kubectl(
                    ["create", "-f", "-"], stdin: pipelineRunManifest(name: "doomed", annotations: ["sandbox.ars/outcome": "Failed"]))
                #expect(created.stdout == "pipelinerun.tekton.dev/doomed created\n", "\(created.stderr)")
                try await sandbox.advance(seconds: 90)
                let failed = try sandbox.json(["-n", "agentrun-ci", "get", "pr", "doomed"])
                #expect(Self.succeeded(failed)["status"].string == "False")
                #expect(Self.succeeded(failed)["reason"].string == "Failed")
                #expect(Self.succeeded(failed)["message"].string == "Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 0")
                #expect(failed["status"]["completionTime"].string == "2025-11-18T09:01:30Z")
                let last = try sandbox.json(["-n", "agentrun-ci", "get", "pod", "doomed-build-image-pod"])
                #expect(last["status"]["phase"].string == "Failed")
            }
        }

        @Test("kubectl apply (twice) and replace keep the object's identity; a pending run waits until it is released")
        func applyReplacePending() async throws {
            try await withKubeSandbox { sandbox in
                let map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: agentrun-v01}\ndata: {a: \"1\"}\n"
                #expect(try sandbox.kubectl(["apply", "-f", "-"], stdin: map).stdout == "configmap/settings created\n")
                let created = try sandbox.json(["-n", "agentrun-v01", "get", "cm", "settings"])
                #expect(
                    try sandbox.kubectl(["apply", "-f", "-"], stdin: map.replacingOccurrences(of: "\"1\"", with: "\"2\"")).stdout
                        == "configmap/settings configured\n")
                #expect(try sandbox.kubectl(["replace", "-f", "-"], stdin: map).stdout == "configmap/settings replaced\n")
                let replaced = try sandbox.json(["-n", "agentrun-v01", "get", "cm", "settings"])
                #expect(replaced["metadata"]["uid"] == created["metadata"]["uid"])
                #expect(replaced["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"])
                #expect(replaced["data"]["a"].string == "1")

                let run = pipelineRunManifest(name: "applied", generateName: nil)
                #expect(try sandbox.kubectl(["apply", "-f", "-"], stdin: run).status == 0)
                try await sandbox.advance(seconds: 2)
                #expect(try sandbox.kubectl(["apply", "-f", "-"], stdin: run).status == 0)
                #expect(
                    try sandbox.json(["-n", "agentrun-ci", "get", "pr", "applied"])["metadata"]["generation"].int == 1,
                    "the webhook's defaults come back: no spec change")

                let held =
                    "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: held, namespace: agentrun-ci}\nspec:\n  status: PipelineRunPending\n  pipelineRef: {name: agentrun-v01-ci}\n"
                #expect(try sandbox.kubectl(["create", "-f", "-"], stdin: held).status == 0)
                try await sandbox.advance(seconds: 5)
                let pending = try sandbox.json(["-n", "agentrun-ci", "get", "pr", "held"])
                #expect(Self.succeeded(pending)["reason"].string == "PipelineRunPending")
                #expect(pending["status"]["startTime"] == .missing)
                #expect(
                    try sandbox.kubectl([
                        "-n", "agentrun-ci", "patch", "pr", "held", "--type", "json", "-p", #"[{"op":"remove","path":"/spec/status"}]"#,
                    ]).status == 0)
                try await sandbox.advance(seconds: 1)
                let released = try sandbox.json(["-n", "agentrun-ci", "get", "pr", "held"])
                #expect(Self.succeeded(released)["reason"].string == "Running")
                #expect(
                    try sandbox.names(["-n", "agentrun-ci", "get", "pods", "-l", "tekton.dev/pipelineRun=held"]) == [
                        "held-fetch-source-pod"
                    ])
            }
        }

        @Test("kubectl patch --type merge spec.status=Cancelled cancels a running run (generation 2, False/Cancelled)")
        func cancel() async throws {
            try await withKubeSandbox { sandbox in
                _ = try sandbox.kubectl(["create", "-f", "-"], stdin: pipelineRunManifest(name: "stop-me"))
                try await sandbox.advance(seconds: 10)
                let patched = try sandbox.kubectl([
                    "-n", "agentrun-ci", "patch", "pipelinerun", "stop-me", "--type", "merge", "-p", #"{"spec":{"status":"Cancelled"}}"#,
                ])
                #expect(patched.stdout == "pipelinerun.tekton.dev/stop-me patched\n", "\(patched.stderr)")
                let cancelled = try sandbox.json(["-n", "agentrun-ci", "get", "pr", "stop-me"])
                #expect(cancelled["metadata"]["generation"].int == 2)
                #expect(cancelled["spec"]["status"].string == "Cancelled")
                #expect(Self.succeeded(cancelled)["status"].string == "False")
                #expect(Self.succeeded(cancelled)["reason"].string == "Cancelled")
                #expect(Self.succeeded(cancelled)["message"].string == "PipelineRun \"stop-me\" was cancelled")
                #expect(cancelled["status"]["completionTime"].string == "2025-11-18T09:00:10Z")
                #expect(
                    try sandbox.names(["-n", "agentrun-ci", "get", "pods", "-l", "tekton.dev/pipelineRun=stop-me"]).isEmpty,
                    "running pods are gone")
                try await sandbox.advance(seconds: 200)
                #expect(
                    Self.succeeded(try sandbox.json(["-n", "agentrun-ci", "get", "pr", "stop-me"]))["reason"].string == "Cancelled",
                    "and it stays cancelled")

                // The scenario's running run too: its active pods go, so its claim is no longer mounted.
                let running = sandbox.real("agentrun-v01-ci-3f9c2ab")
                _ = try sandbox.kubectl([
                    "-n", "agentrun-ci", "patch", "pr", running, "--type", "merge", "-p", #"{"spec":{"status":"Cancelled"}}"#,
                ])
                let seeded = try sandbox.json(["-n", "agentrun-ci", "get", "pr", running])
                #expect(Self.succeeded(seeded)["reason"].string == "Cancelled")
                #expect(seeded["metadata"]["generation"].int == 2)
                #expect(
                    try sandbox.names(["-n", "agentrun-ci", "get", "pods", "-l", "tekton.dev/pipelineRun=\(running)"]) == [
                        "\(running)-fetch-source-pod"
                    ])
            }
        }

        @Test("kubectl delete pipelinerun: its claims, pods and TaskRuns go by cascade, then the Delete-policy volumes")
        func deleteCascade() async throws {
            try await withKubeSandbox { sandbox in
                _ = try sandbox.kubectl(["create", "-f", "-"], stdin: pipelineRunManifest(name: "short-lived"))
                try await sandbox.advance(seconds: 95)
                let run = try sandbox.json(["-n", "agentrun-ci", "get", "pr", "short-lived"])
                let claimName = "pvc-" + SHA256.hex("source" + (run["metadata"]["uid"].string ?? "")).prefix(10)
                let volumeName = try #require(
                    try sandbox.json(["-n", "agentrun-ci", "get", "pvc", claimName])["spec"]["volumeName"].string)

                let deleted = try sandbox.kubectl(["-n", "agentrun-ci", "delete", "pipelinerun", "short-lived"])
                #expect(deleted.status == 0, "\(deleted.stderr)")
                #expect(deleted.stdout == "pipelinerun.tekton.dev \"short-lived\" deleted\n")
                #expect(
                    try sandbox.kubectl(["-n", "agentrun-ci", "get", "pvc", claimName]).stderr
                        == "Error from server (NotFound): persistentvolumeclaims \"\(claimName)\" not found\n")
                #expect(
                    try sandbox.kubectl(["get", "pv", volumeName]).stderr
                        == "Error from server (NotFound): persistentvolumes \"\(volumeName)\" not found\n")
                #expect(try sandbox.names(["-n", "agentrun-ci", "get", "pods", "-l", "tekton.dev/pipelineRun=short-lived"]).isEmpty)
                #expect(try sandbox.names(["-n", "agentrun-ci", "get", "taskruns"]).isEmpty)

                // A scenario run: its claim goes; the volume's reclaim policy, patched to Retain, keeps it Released.
                _ = try sandbox.kubectl([
                    "patch", "pv", "pvc-c8500301-e3e8-45d6-92e3-922242c8d384", "--type", "merge", "-p",
                    #"{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}"#,
                ])
                let before = try sandbox.names(["get", "pv"])
                #expect(try sandbox.kubectl(["-n", "agentrun-ci", "delete", "pr", sandbox.real("agentrun-v01-ci-c07be19")]).status == 0)
                #expect(try sandbox.kubectl(["-n", "agentrun-ci", "get", "pvc", "pvc-322bdcf017"]).status == 1)
                let kept = try sandbox.json(["get", "pv", "pvc-c8500301-e3e8-45d6-92e3-922242c8d384"])
                #expect(kept["status"]["phase"].string == "Released")
                #expect(kept["status"]["lastPhaseTransitionTime"].string == "2025-11-18T09:01:35Z")
                #expect(kept["spec"]["claimRef"]["name"].string == "pvc-322bdcf017", "a released volume keeps its claimRef")
                #expect(try sandbox.names(["get", "pv"]) == before)

                // The running scenario run takes its pods (owned by TaskRuns and a StatefulSet the scenario lacks) along.
                #expect(try sandbox.kubectl(["-n", "agentrun-ci", "delete", "pr", sandbox.real("agentrun-v01-ci-3f9c2ab")]).status == 0)
                #expect(
                    try sandbox.names(["-n", "agentrun-ci", "get", "pods"]) == [sandbox.real("agentrun-v01-ci-8d41e07-build-image-pod")])
                #expect(
                    try sandbox.kubectl(["get", "pv", "pvc-29c00ee3-41e4-4ac9-8eb9-ff9b0c8c6b81"]).status == 1,
                    "Delete policy: the volume went too")

                // Deleting a claim directly releases a Delete-policy volume by deleting it.
                #expect(
                    try sandbox.kubectl(["-n", "agentrun-ci", "delete", "pvc", "pvc-ce11337402"]).stdout
                        == "persistentvolumeclaim \"pvc-ce11337402\" deleted\n")
                #expect(try sandbox.kubectl(["get", "pv", "pvc-99ac1f37-7dad-4e79-9aaf-6fe1c49c816e"]).status == 1)
                // Orphaning keeps the dependents.
                #expect(
                    try sandbox.kubectl(["-n", "agentrun-ci", "delete", "pr", sandbox.real("agentrun-v01-ci-5b2e6f0"), "--cascade=orphan"])
                        .status == 0)
                let orphan = try sandbox.json(["-n", "agentrun-ci", "get", "pvc", "pvc-e67c823407"])
                #expect(orphan["metadata"]["ownerReferences"] == .missing)
            }
        }

        @Test("kubectl annotate …/refresh=hard --overwrite: Argo CD consumes it 3 s later and moves reconciledAt")
        func refreshConsumed() async throws {
            try await withKubeSandbox { sandbox in
                let app = ["-n", "argocd", "get", "applications.argoproj.io", "agentrun-g14-v01"]
                let before = try sandbox.json(app)
                let annotated = try sandbox.kubectl([
                    "-n", "argocd", "annotate", "applications.argoproj.io", "agentrun-g14-v01", "argocd.argoproj.io/refresh=hard",
                    "--overwrite",
                ])
                #expect(annotated.stdout == "application.argoproj.io/agentrun-g14-v01 annotated\n", "\(annotated.stderr)")
                let pending = try sandbox.json(app)
                #expect(pending["metadata"]["annotations"]["argocd.argoproj.io/refresh"].string == "hard")
                #expect(pending["metadata"]["generation"] == before["metadata"]["generation"], "a metadata-only write keeps the generation")
                #expect(
                    Int(pending["metadata"]["resourceVersion"].string ?? "") == Int(before["metadata"]["resourceVersion"].string ?? "")! + 1
                )
                #expect(pending["status"]["reconciledAt"].string == "2025-11-18T08:58:47Z")

                try await sandbox.advance(seconds: 2.9)
                #expect(
                    try sandbox.json(app)["metadata"]["annotations"]["argocd.argoproj.io/refresh"].string == "hard",
                    "not consumed before 3 s")
                try await sandbox.advance(seconds: 0.2)
                let consumed = try sandbox.json(app)
                #expect(consumed["metadata"]["annotations"] == .missing)
                #expect(consumed["status"]["reconciledAt"].string == "2025-11-18T09:00:03Z")
                #expect(
                    consumed["metadata"]["generation"].int == (before["metadata"]["generation"].int ?? 0) + 1,
                    "a status write bumps an Application's generation")
                #expect(consumed["status"]["sync"] == before["status"]["sync"], "no GitOps head known: the revision stays")
                #expect(consumed["status"]["history"] == before["status"]["history"])

                // Merge patches through kubectl patch, and a no-op patch changes nothing.
                let patch = #"{"metadata":{"annotations":{"note":"checked"}}}"#
                #expect(
                    try sandbox.kubectl(["-n", "argocd", "patch", "app", "agentrun-g14-v01", "--type", "merge", "-p", patch]).stdout
                        == "application.argoproj.io/agentrun-g14-v01 patched\n")
                #expect(
                    try sandbox.kubectl(["-n", "argocd", "patch", "app", "agentrun-g14-v01", "--type", "merge", "-p", patch]).stdout
                        == "application.argoproj.io/agentrun-g14-v01 patched (no change)\n")
                #expect(
                    try sandbox.kubectl([
                        "-n", "argocd", "patch", "app", "agentrun-g14-v01", "--type", "json", "-p",
                        #"[{"op":"remove","path":"/metadata/annotations/note"}]"#,
                    ]).status == 0)
                #expect(try sandbox.json(app)["metadata"]["annotations"] == .missing)
            }
        }

        @Test("the refresh-pending fixture is an earlier state of the Application: served alone it prints exactly, then is consumed")
        func refreshPendingFixture() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ars-kube-scenario-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = "argocd-application-agentrun-g14-v01.refresh-pending.json"
            let fixture = try String(contentsOf: KubeSandbox.scenarioFolder.appendingPathComponent(file), encoding: .utf8)
            try fixture.write(to: folder.appendingPathComponent(file), atomically: true, encoding: .utf8)
            try "NOW = `2025-11-18T08:55:50Z`\n".write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
            try await withKubeSandbox(scenario: folder) { sandbox in
                let command = ["-n", "argocd", "get", "applications.argoproj.io", "agentrun-g14-v01", "-o", "json"]
                let pending = try sandbox.kubectl(command)
                #expect(pending.stdout == (try sandbox.expected(fixture: fixture)))
                try await sandbox.advance(seconds: 3)
                let consumed = JSON(data: Data(try sandbox.kubectl(command).stdout.utf8))
                #expect(consumed["metadata"]["annotations"] == .missing)
                #expect(consumed["status"]["reconciledAt"].string == "2025-11-18T08:55:53Z")
                #expect(consumed["metadata"]["generation"].int == 1844)
            }
        }
    }
}
