import Foundation
@testable import SandboxCore
import Testing

extension KubeTests {
    /// The rollout loop on the sandbox clock (frozen; only the tests' clock advances move it),
    /// through the real kubectl and git: CI promotes, Argo CD syncs, the Deployment rolls out, the
    /// git-mirror catches up.
    @Suite("Kubernetes API: promotion, Argo CD sync, rollout, git-mirror")
    struct KubeRolloutTests {
        static let app = ["-n", "argocd", "get", "applications.argoproj.io", "agentrun-g14-v01"]
        static let deployment = ["-n", "agentrun-v01", "get", "deployment", "agentrun-manager"]
        static let managerPods = ["-n", "agentrun-v01", "get", "pods", "-l", "app.kubernetes.io/name=agentrun-manager"]
        static let oldPod = "agentrun-manager-74q4grvdk9-btqpq"
        static let manager = "registry.unidesk.lan/agentrun/manager"
        static let runner = "registry.unidesk.lan/agentrun/runner"

        @Test(
            "a created run pinned to origin's commit promotes once at its completion; Argo CD syncs at its 180 s reconcile; the manager rolls out"
        )
        func promoteSyncRollOut() async throws {
            try await withKubeSandbox { sandbox in
                let before = try sandbox.gitopsHead()
                let initialApp = try sandbox.json(Self.app)
                let commit = try sandbox.pushChange()
                let short = String(commit.prefix(7))
                let run = "agentrun-v01-ci-\(short)"
                #expect(try sandbox.kubectl(["create", "-f", "-"], stdin: pinnedRun(run, commit: commit)).status == 0)
                // Neither a failed run nor one pinned to a commit origin lacks promotes anything.
                #expect(
                    try sandbox.kubectl(["create", "-f", "-"], stdin: pinnedRun("doomed", commit: commit, outcome: "Failed")).status == 0)
                #expect(try sandbox.kubectl(["create", "-f", "-"], stdin: pipelineRunManifest(name: "elsewhere")).status == 0)

                try await sandbox.advance(seconds: 89.9)
                #expect(try sandbox.gitopsHead() == before, "not before the run completes")
                try await sandbox.advance(seconds: 0.1)
                let promoted = try sandbox.gitopsHead()
                #expect(promoted != before)
                #expect(try git(["rev-parse", "\(promoted)^"], gitDir: sandbox.origin) == before, "exactly one new commit")
                #expect(
                    try git(["log", "-1", "--format=%ad", "--date=iso-strict", promoted], gitDir: sandbox.origin)
                        == "2025-11-18T09:01:30+00:00")
                #expect(
                    try git(["log", "-1", "--format=%B", promoted], gitDir: sandbox.origin).contains("PipelineRun: agentrun-ci/\(run)\n"))
                let file = try git(["show", "\(promoted):deploy/agentrun-v01/kustomization.yaml"], gitDir: sandbox.origin)
                #expect(
                    file.contains("  - name: \(Self.manager)\n    newTag: v01-\(short)\n  - name: \(Self.runner)\n    newTag: v01-\(short)")
                )

                // Argo CD compares again only at its reconcile: 180 s after 08:58:47.
                try await sandbox.advance(seconds: 16)
                #expect(try sandbox.json(Self.app)["status"]["sync"] == initialApp["status"]["sync"])
                try await sandbox.advance(seconds: 1)
                let synced = try sandbox.json(Self.app)
                let status = synced["status"]
                #expect(status["reconciledAt"].string == "2025-11-18T09:01:47Z")
                #expect(status["sync"]["revision"].string == promoted)
                #expect(status["sync"]["status"].string == "Synced")
                #expect(status["operationState"]["phase"].string == "Succeeded")
                #expect(status["operationState"]["syncResult"]["revision"].string == promoted)
                #expect(status["operationState"]["operation"]["sync"]["revision"].string == promoted)
                #expect(status["operationState"]["operation"]["initiatedBy"]["automated"].bool == true)
                #expect(status["operationState"]["startedAt"].string == "2025-11-18T09:01:47Z")
                #expect(status["operationState"]["finishedAt"].string == "2025-11-18T09:01:47Z")
                #expect(
                    status["operationState"]["syncResult"]["resources"][3]["message"].string
                        == "deployment.apps/agentrun-manager configured")
                #expect(status["history"].array.count == 4)
                #expect(status["history"][3]["id"].int == 44)
                #expect(status["history"][3]["revision"].string == promoted)
                #expect(status["history"][3]["deployedAt"].string == "2025-11-18T09:01:47Z")
                #expect(status["summary"]["images"].array == [.string("\(Self.manager):v01-\(short)")])
                #expect(status["health"]["status"].string == "Progressing")
                #expect((synced["metadata"]["generation"].int ?? 0) > (initialApp["metadata"]["generation"].int ?? .max))

                // The rollout starts at once: a new ReplicaSet and pod, the old pod still serving.
                let rolling = try sandbox.json(Self.deployment)
                let container = rolling["spec"]["template"]["spec"]["containers"][0]
                #expect(container["image"].string == "\(Self.manager):v01-\(short)")
                #expect(
                    container["env"].array.first { $0["name"].string == "AGENTRUN_RUNNER_IMAGE" }?["value"].string
                        == "\(Self.runner):v01-\(short)")
                #expect(
                    rolling["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"].string?.contains(
                        "\(Self.manager):v01-\(short)") == true)
                #expect(rolling["metadata"]["generation"].int == 10)
                #expect(rolling["metadata"]["annotations"]["deployment.kubernetes.io/revision"].string == "8")
                #expect(rolling["status"]["observedGeneration"].int == 10)
                #expect(rolling["status"]["replicas"].int == 2)
                #expect(rolling["status"]["updatedReplicas"].int == 1)
                #expect(rolling["status"]["readyReplicas"].int == 1)
                #expect(rolling["status"]["unavailableReplicas"].int == 1)
                #expect(Self.condition(rolling, "Progressing")["reason"].string == "ReplicaSetUpdated")
                let pods = try sandbox.json(Self.managerPods)["items"].array
                #expect(pods.count == 2)
                let fresh = try #require(pods.first { $0["metadata"]["name"].string != Self.oldPod })
                let name = try #require(fresh["metadata"]["name"].string)
                let hash = try #require(
                    name.wholeMatch(of: /agentrun-manager-([bcdfghjklmnpqrstvwxz2456789]{1,10})-[bcdfghjklmnpqrstvwxz2456789]{5}/)?.1)
                let old = try #require(pods.first { $0["metadata"]["name"].string == Self.oldPod })
                var expectedLabels = old["metadata"]["labels"]
                if case .object(var members) = expectedLabels {
                    members["pod-template-hash"] = .string(String(hash))
                    expectedLabels = .object(members)
                }
                #expect(fresh["metadata"]["labels"] == expectedLabels)
                #expect(fresh["status"]["containerStatuses"][0]["state"]["waiting"]["reason"].string == "ContainerCreating")
                #expect(fresh["spec"]["containers"][0]["image"].string == "\(Self.manager):v01-\(short)")
                let replicaSet = try sandbox.json(["-n", "agentrun-v01", "get", "rs", "agentrun-manager-\(hash)"])
                #expect(replicaSet["metadata"]["ownerReferences"][0]["uid"] == rolling["metadata"]["uid"])
                #expect(fresh["metadata"]["ownerReferences"][0]["uid"] == replicaSet["metadata"]["uid"])

                // 8 s later the container runs, not yet ready: a not-ready address of the Service.
                try await sandbox.advance(seconds: 8)
                let started = try sandbox.json(["-n", "agentrun-v01", "get", "pod", name])
                #expect(started["status"]["phase"].string == "Running")
                #expect(started["status"]["containerStatuses"][0]["ready"].bool == false)
                let ip = try #require(started["status"]["podIP"].string)
                let halfway = try sandbox.json(["-n", "agentrun-v01", "get", "endpoints", "agentrun-manager"])
                #expect(halfway["subsets"][0]["addresses"].array.map { $0["ip"].string } == ["10.42.0.198"])
                #expect(halfway["subsets"][0]["notReadyAddresses"].array.map { $0["ip"].string } == [ip])

                // 16 s after the change it is Ready: the old pod goes, the Service points at the new one.
                try await sandbox.advance(seconds: 8)
                #expect(try sandbox.names(Self.managerPods) == [name])
                #expect(try sandbox.kubectl(["-n", "agentrun-v01", "get", "pod", Self.oldPod]).status == 1)
                let ready = try sandbox.json(["-n", "agentrun-v01", "get", "pod", name])
                #expect(ready["status"]["conditions"].array.first { $0["type"].string == "Ready" }?["status"].string == "True")
                let endpoints = try sandbox.json(["-n", "agentrun-v01", "get", "endpoints", "agentrun-manager"])
                #expect(endpoints["subsets"][0]["addresses"].array.map { $0["targetRef"]["name"].string } == [name])
                #expect(endpoints["subsets"][0]["addresses"][0]["ip"].string == ip)
                #expect(endpoints["subsets"][0]["notReadyAddresses"] == .missing)
                #expect(endpoints["subsets"][0]["ports"][0]["port"].int == 8080)
                let slice = try sandbox.json([
                    "-n", "agentrun-v01", "get", "endpointslices", "-l", "kubernetes.io/service-name=agentrun-manager",
                ])
                #expect(slice["items"][0]["endpoints"].array.map { $0["addresses"][0].string } == [ip])
                #expect(slice["items"][0]["endpoints"][0]["conditions"]["ready"].bool == true)
                let done = try sandbox.json(Self.deployment)
                for field in ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"] {
                    #expect(done["status"][field].int == 1, "\(field)")
                }
                #expect(done["status"]["unavailableReplicas"] == .missing)
                #expect(Self.condition(done, "Progressing")["reason"].string == "NewReplicaSetAvailable")
                #expect(
                    Self.condition(done, "Progressing")["message"].string
                        == "ReplicaSet \"agentrun-manager-\(hash)\" has successfully progressed.")
                #expect(Self.condition(done, "Available")["status"].string == "True")
                #expect(try sandbox.json(Self.app)["status"]["health"]["status"].string == "Healthy")

                // Later reconciles change nothing more: one promotion, one sync.
                try await sandbox.advance(seconds: 900)
                #expect(try sandbox.gitopsHead() == promoted)
                let later = try sandbox.json(Self.app)
                #expect(later["status"]["history"].array.count == 4)
                #expect(later["status"]["reconciledAt"].string == "2025-11-18T09:16:47Z")
                #expect(try sandbox.names(Self.managerPods) == [name])
            }
        }

        @Test("a hard refresh after the promotion syncs at once (3 s), before the periodic reconcile")
        func refreshSyncs() async throws {
            try await withKubeSandbox { sandbox in
                let commit = try sandbox.pushChange()
                _ = try sandbox.kubectl(["create", "-f", "-"], stdin: pinnedRun("agentrun-v01-ci-\(commit.prefix(7))", commit: commit))
                try await sandbox.advance(seconds: 91)
                let promoted = try sandbox.gitopsHead()
                #expect(try sandbox.json(Self.app)["status"]["sync"]["revision"].string != promoted)
                _ = try sandbox.kubectl([
                    "-n", "argocd", "annotate", "app", "agentrun-g14-v01", "argocd.argoproj.io/refresh=hard", "--overwrite",
                ])
                try await sandbox.advance(seconds: 3)
                let synced = try sandbox.json(Self.app)
                #expect(synced["metadata"]["annotations"] == .missing)
                #expect(synced["status"]["reconciledAt"].string == "2025-11-18T09:01:34Z")
                #expect(synced["status"]["sync"]["revision"].string == promoted)
                #expect(synced["status"]["history"].array.last?["deployedAt"].string == "2025-11-18T09:01:34Z")
                #expect(
                    try sandbox.json(Self.deployment)["spec"]["template"]["spec"]["containers"][0]["image"].string
                        == "\(Self.manager):v01-\(commit.prefix(7))")
                // The next periodic reconcile is 180 s after this one, and finds nothing new.
                try await sandbox.advance(seconds: 179)
                #expect(try sandbox.json(Self.app)["status"]["reconciledAt"].string == "2025-11-18T09:01:34Z")
                try await sandbox.advance(seconds: 1)
                let next = try sandbox.json(Self.app)
                #expect(next["status"]["reconciledAt"].string == "2025-11-18T09:04:34Z")
                #expect(next["status"]["history"].array.count == 4)
            }
        }

        @Test("the git-mirror fetches from origin every 60 s: a push shows up at the next fetch, FETCH_HEAD dated then")
        func mirrorCatchesUp() async throws {
            try await withKubeSandbox { sandbox in
                _ = try sandbox.names(["get", "namespaces"])  // the first fetch, at the start
                #expect(try sandbox.lastFetch() == "2025-11-18T09:00:00Z")
                let commit = try sandbox.pushChange()
                let mirrored = ["rev-parse", "refs/heads/v0.1"]
                #expect(try git(mirrored, gitDir: sandbox.mirrorRepository) != commit)
                try await sandbox.advance(seconds: 59)
                #expect(try git(mirrored, gitDir: sandbox.mirrorRepository) != commit, "not before the next fetch")
                try await sandbox.advance(seconds: 1)
                #expect(try git(mirrored, gitDir: sandbox.mirrorRepository) == commit)
                #expect(try sandbox.lastFetch() == "2025-11-18T09:01:00Z")

                // A promotion reaches the mirror at the first fetch after it.
                _ = try sandbox.kubectl(["create", "-f", "-"], stdin: pinnedRun("agentrun-v01-ci-\(commit.prefix(7))", commit: commit))
                try await sandbox.advance(seconds: 90)  // 09:02:30, promoted; fetched at 09:02:00
                let promoted = try sandbox.gitopsHead()
                #expect(try git(["rev-parse", "refs/heads/v0.1-gitops"], gitDir: sandbox.mirrorRepository) != promoted)
                try await sandbox.advance(seconds: 30)
                #expect(try git(["rev-parse", "refs/heads/v0.1-gitops"], gitDir: sandbox.mirrorRepository) == promoted)
                // A long quiet stretch is one fetch, dated at the last tick.
                try await sandbox.advance(seconds: 3600 + 15)
                #expect(try sandbox.lastFetch() == "2025-11-18T10:03:00Z")
            }
        }

        @Test(
            "a restart neither promotes nor syncs twice: a run finishing after the restart promotes once, and Argo CD resumes its schedule")
        func restartIdempotent() async throws {
            let first = try await KubeSandbox()
            let commit = try first.pushChange()
            let run = "agentrun-v01-ci-\(commit.prefix(7))"
            let before = try first.gitopsHead()
            _ = try first.kubectl(["create", "-f", "-"], stdin: pinnedRun(run, commit: commit))
            try await first.advance(seconds: 60)
            #expect(await first.stop() == 0)

            let second = try await KubeSandbox(stateDirectory: first.stateDirectory)
            do {
                try await second.advance(seconds: 31)  // the run completes at 09:01:30, after the restart
                let promoted = try second.gitopsHead()
                #expect(try git(["rev-parse", "\(promoted)^"], gitDir: second.origin) == before)
                try await second.advance(seconds: 30)  // Argo CD's reconcile at 09:01:47 syncs it
                #expect(try second.json(Self.app)["status"]["sync"]["revision"].string == promoted)
                // The promotion again, as a replayed completion would ask for it: nothing new.
                let uid = try #require(try second.json(["-n", "agentrun-ci", "get", "pr", run])["metadata"]["uid"].string)
                let repositories = try ScenarioRepositories.prepare(
                    directory: first.stateDirectory.appendingPathComponent("git").path,
                    documents: try KubeScenario.documents(in: KubeSandbox.scenarioFolder))
                #expect(try repositories.promote(commit: commit, pipelineRun: "agentrun-ci/\(run)", uid: uid, at: Date()) == promoted)
            } catch {
                _ = await second.stop()
                throw error
            }
            #expect(await second.stop() == 0)

            let third = try await KubeSandbox(stateDirectory: first.stateDirectory)
            do {
                try await third.advance(seconds: 600)
                let app = try third.json(Self.app)
                #expect(app["status"]["history"].array.count == 4, "synced once")
                #expect(app["status"]["history"].array.last?["deployedAt"].string == "2025-11-18T09:01:47Z")
                #expect(try git(["rev-list", "--count", "refs/heads/v0.1-gitops"], gitDir: third.origin) == "5", "promoted once")
                #expect(try third.names(Self.managerPods).count == 1)
            } catch {
                _ = await third.stop()
                throw error
            }
            #expect(await third.stop() == 0)
            try? FileManager.default.removeItem(at: first.stateDirectory)
        }

        @Test("kubectl set image rolls a Deployment too; a change during a rollout starts over, and every older pod goes at its end")
        func userRollout() async throws {
            try await withKubeSandbox { sandbox in
                let set = ["-n", "agentrun-v01", "set", "image", "deployment/agentrun-manager"]
                #expect(try sandbox.kubectl(set + ["manager=\(Self.manager):v2"]).status == 0)
                try await sandbox.advance(seconds: 8)
                #expect(try sandbox.kubectl(set + ["manager=\(Self.manager):v3"]).status == 0)
                let restarted = try sandbox.json(Self.deployment)
                #expect(restarted["metadata"]["generation"].int == 11)
                try await sandbox.advance(seconds: 1)
                #expect(try sandbox.names(Self.managerPods).count == 3, "the old pod, the superseded one, the newest")
                #expect(try sandbox.json(Self.deployment)["status"]["observedGeneration"].int == 11)
                try await sandbox.advance(seconds: 15)
                let pods = try sandbox.json(Self.managerPods)["items"].array
                #expect(pods.count == 1)
                #expect(pods.first?["spec"]["containers"][0]["image"].string == "\(Self.manager):v3")
                let sets = try sandbox.json(["-n", "agentrun-v01", "get", "rs"])["items"].array
                #expect(sets.count == 2)
                #expect(sets.map { $0["spec"]["replicas"].int ?? -1 }.sorted() == [0, 1])
                let done = try sandbox.json(Self.deployment)
                #expect(done["metadata"]["annotations"]["deployment.kubernetes.io/revision"].string == "9")
                #expect(Self.condition(done, "Progressing")["reason"].string == "NewReplicaSetAvailable")
                // A spec change that leaves the template alone is observed, not rolled.
                #expect(
                    try sandbox.kubectl([
                        "-n", "agentrun-v01", "patch", "deployment", "agentrun-manager", "-p", #"{"spec":{"revisionHistoryLimit":5}}"#,
                    ]).status == 0)
                _ = try sandbox.names(Self.managerPods)
                let observed = try sandbox.json(Self.deployment)
                #expect(observed["status"]["observedGeneration"] == observed["metadata"]["generation"])
                #expect(try sandbox.names(Self.managerPods).count == 1)
            }
        }

        @Test("Argo CD's quiet reconciles fold into one write that counts them all: a day at once equals a day in steps")
        func foldedReconciles() async throws {
            let single = try await withKubeSandbox { sandbox in
                try await sandbox.advance(seconds: 86_400)
                return try sandbox.json(Self.app)
            }
            let stepped = try await withKubeSandbox { sandbox in
                for _ in 0..<48 { try await sandbox.advance(seconds: 1800) }
                return try sandbox.json(Self.app)
            }
            #expect(single["status"]["reconciledAt"].string == "2025-11-19T08:58:47Z")
            #expect(single["metadata"]["generation"].int == 1845 + 480)
            #expect(stepped["status"]["reconciledAt"] == single["status"]["reconciledAt"])
            #expect(stepped["metadata"]["generation"] == single["metadata"]["generation"])
            #expect(stepped["status"]["sync"] == single["status"]["sync"])
        }

        static func condition(_ object: JSON, _ type: String) -> JSON {
            object["status"]["conditions"].array.first { $0["type"].string == type } ?? .missing
        }
    }
}

/// A PipelineRun of the scenario's pipeline pinned to `commit`, as trigger-current creates it.
func pinnedRun(_ name: String, commit: String, outcome: String? = nil) -> String {
    pipelineRunManifest(name: name, commit: commit, annotations: outcome.map { ["sandbox.ars/outcome": $0] } ?? [:])
}

extension KubeSandbox {
    /// The bare origin of the sandbox's scenario repositories (from its listening line).
    nonisolated var origin: String { announcement["git"]["origin"].string ?? "" }

    /// The git-mirror's repository of origin.
    nonisolated var mirrorRepository: String {
        (announcement["git"]["mirror"].string ?? "") + "/" + ScenarioRepositories.defaultMirrorRepository
    }

    nonisolated func gitopsHead() throws -> String {
        try git(["rev-parse", "refs/heads/v0.1-gitops"], gitDir: origin)
    }

    /// The mirror's last fetch: `FETCH_HEAD`'s modification time.
    nonisolated func lastFetch() throws -> String {
        let date = try FileManager.default.attributesOfItem(atPath: mirrorRepository + "/FETCH_HEAD")[.modificationDate] as? Date
        return KubeTime.format(Timestamp(milliseconds: Int64((date?.timeIntervalSince1970 ?? 0) * 1000)))
    }

    /// Pushes a new commit to origin's v0.1 (someone merged a change) and returns its id.
    nonisolated func pushChange() throws -> String {
        let clone = stateDirectory.appendingPathComponent("clone-\(UUID().uuidString.prefix(6))").path
        _ = try git(["clone", "--quiet", "--branch", "v0.1", origin, clone])
        try "change \(UUID())\n".write(toFile: clone + "/CHANGE.md", atomically: true, encoding: .utf8)
        _ = try git(["add", "CHANGE.md"], in: clone)
        _ = try git(
            ["-c", "user.name=Test", "-c", "user.email=t@example.invalid", "commit", "--quiet", "-m", "a merged change"], in: clone)
        _ = try git(["push", "--quiet", "origin", "v0.1"], in: clone)
        return try git(["rev-parse", "HEAD"], in: clone)
    }
}
