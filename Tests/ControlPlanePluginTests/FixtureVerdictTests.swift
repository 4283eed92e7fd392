import Commands
import Foundation
import Testing

@testable import ControlPlanePlugin

/// The verdicts the default scenario's README states (NOW = 2025-11-18T09:00:00Z), decided from
/// the fixture documents exactly as kubectl printed them.
@Suite struct FixtureVerdictTests {
    static let scenario = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/SandboxCore/Resources/Scenarios/g14-healthy")
    static let now = try! Date("2025-11-18T09:00:00Z", strategy: .iso8601)

    static func document(_ name: String) throws -> Value {
        try JSON.decode(String(decoding: try Data(contentsOf: scenario.appendingPathComponent(name)), as: UTF8.self))
    }

    static func items(_ name: String) throws -> [Value] { try document(name)["items"]?.arrayValue ?? [] }

    static func decide(minAge: Int, limit: Int = 200) throws -> RunCleanupDecision {
        RunCleanupDecision(
            runs: try items("agentrun-ci-pipelineruns.json").map(PipelineRun.init),
            pods: try items("agentrun-ci-pods.json").map(Pod.init),
            claims: try items("agentrun-ci-pvcs.json").map(Claim.init),
            prefix: "agentrun-v01-ci-", now: now, minAgeMinutes: minAge, limit: limit)
    }

    static func names(_ candidates: [RunCleanupDecision.Candidate]) -> Set<String> {
        Set(candidates.map { String($0.run.name.dropFirst("agentrun-v01-ci-".count)) })
    }

    @Test func thirtyMinutesCutoffKeepsTheRunningAndTheLatestCompletedRun() throws {
        let decision = try Self.decide(minAge: 30)
        #expect(Self.names(decision.candidates) == ["c07be19", "5b2e6f0", "a1d9c44", "e6f1b38"])
        #expect(Kube.format(decision.cutoff) == "2025-11-18T08:30:00Z")
        let protected = Dictionary(uniqueKeysWithValues: decision.protected.map { ($0.run.name, $0) })
        #expect(protected["agentrun-v01-ci-3f9c2ab"]?.reasons == [.running, .activeMount])
        #expect(
            protected["agentrun-v01-ci-3f9c2ab"]?.mountedBy == [
                "affinity-assistant-fcb176bc64-0", "agentrun-v01-ci-3f9c2ab-swift-test-pod",
            ])
        #expect(protected["agentrun-v01-ci-8d41e07"]?.reasons == [.latestCompleted, .tooYoung])
        #expect(protected.count == 2)
    }

    @Test func thirtyFiveMinutesDropsTheFailedRunThatIsTooYoung() throws {
        #expect(Self.names(try Self.decide(minAge: 35).candidates) == ["5b2e6f0", "a1d9c44", "e6f1b38"])
    }

    @Test func theLatestCompletedRunIsKeptEvenWhenOldEnough() throws {
        let decision = try Self.decide(minAge: 10)
        #expect(Self.names(decision.candidates) == ["c07be19", "5b2e6f0", "a1d9c44", "e6f1b38"])
        #expect(decision.protected.first { $0.run.name == "agentrun-v01-ci-8d41e07" }?.reasons == [.latestCompleted])
    }

    @Test func aSucceededPodIsNotAnActiveMount() throws {
        // pvc-ce11337402 (run 8d41e07) is referenced only by a Succeeded pod.
        let decision = try Self.decide(minAge: 10)
        #expect(decision.protected.first { $0.run.name == "agentrun-v01-ci-8d41e07" }?.mountedBy == [])
    }

    @Test func candidatesCarryTheirOwnedClaimsAndTheLimitTakesTheOldestFirst() throws {
        let decision = try Self.decide(minAge: 30, limit: 2)
        #expect(decision.candidates.map(\.run.name) == ["agentrun-v01-ci-e6f1b38", "agentrun-v01-ci-a1d9c44"])
        #expect(decision.candidates.map { $0.claims.map(\.name) } == [["pvc-2b2de0f8f9"], ["pvc-2ca63cfc62"]])
        #expect(decision.deferred.map(\.run.name) == ["agentrun-v01-ci-5b2e6f0", "agentrun-v01-ci-c07be19"])
    }

    @Test func otherPrefixesAreNeverCandidates() throws {
        let runs = try Self.items("agentrun-ci-pipelineruns.json").map(PipelineRun.init)
        let decision = RunCleanupDecision(
            runs: runs, pods: [], claims: [], prefix: "agentrun-v02-ci-", now: Self.now, minAgeMinutes: 0, limit: 200)
        #expect(decision.candidates.isEmpty)
        #expect(decision.ignored.count == 6)
    }

    @Test func onlyReleasedLocalPathDeleteVolumesOfTheCINamespaceGo() throws {
        let volumes = try Self.items("pvs.json").map(Volume.init)
        #expect(volumes.count == 9)
        let decision = VolumeCleanupDecision(volumes: volumes, ciNamespace: "agentrun-ci", limit: 200)
        #expect(
            Set(decision.candidates.map(\.name)) == [
                "pvc-d495ee54-84e0-4e02-94ee-785f3ebd9866", "pvc-fc6ae97d-9de1-40b5-810b-17301b88cb45",
            ])
        #expect(Set(decision.candidates.compactMap(\.claimName)) == ["pvc-87bca63de2", "pvc-cf04ed4f71"])
        #expect(decision.skipped.map(\.reason) == ["phase Bound"])
        #expect(decision.skipped.first?.names.count == 7)
        #expect(VolumeCleanupDecision(volumes: volumes, ciNamespace: "unidesk", limit: 200).candidates.isEmpty)
        #expect(VolumeCleanupDecision(volumes: volumes, ciNamespace: "agentrun-ci", limit: 1).deferred.count == 1)
    }

    @Test func retainAndOtherClassesAreLeftAlone() throws {
        let released = try Self.items("pvs.json").map(Volume.init).first { $0.phase == "Released" }!.object.value
        func variant(_ path: [String], _ value: Value) -> Volume {
            guard case .object(var root) = released, case .object(var spec) = root["spec"]! else { fatalError() }
            spec[path[0]] = value
            root["spec"] = .object(spec)
            return Volume(.object(root))
        }
        let retain = variant(["persistentVolumeReclaimPolicy"], "Retain")
        let other = variant(["storageClassName"], "nfs")
        let decision = VolumeCleanupDecision(volumes: [retain, other], ciNamespace: "agentrun-ci", limit: 200)
        #expect(decision.candidates.isEmpty)
        #expect(decision.skipped.map(\.reason) == ["reclaim policy Retain", "storage class nfs"])
    }

    @Test func quantitiesAndAges() {
        #expect(Kube.bytes("1Gi") == 1_073_741_824)
        #expect(Kube.bytes("10Gi") == 10_737_418_240)
        #expect(Kube.bytes("500M") == 500_000_000)
        #expect(Kube.bytes("") == nil)
        #expect(Durations.age(17 * 60 + 23) == "17m23s")
        #expect(Durations.age(16 * 3600 + 28 * 60 + 48) == "16h28m48s")
        #expect(ByteSize.format(1_073_741_824) == "1.0 GiB")
    }

    @Test func pipelineRunStatesFollowTheSucceededCondition() throws {
        let runs = Dictionary(
            uniqueKeysWithValues: try Self.items("agentrun-ci-pipelineruns.json").map(PipelineRun.init).map { ($0.name, $0) })
        #expect(runs["agentrun-v01-ci-3f9c2ab"]?.state == .running)
        #expect(runs["agentrun-v01-ci-3f9c2ab"]?.commit == "3f9c2ab9fbfc2378abcf4db0d361388c746462c1")
        #expect(runs["agentrun-v01-ci-8d41e07"]?.state == .succeeded)
        #expect(runs["agentrun-v01-ci-a1d9c44"]?.reason == "Cancelled")
        #expect(runs["agentrun-v01-ci-e6f1b38"]?.reason == "PipelineRunTimeout")
        #expect(runs["agentrun-v01-ci-8d41e07"]?.duration(now: Self.now).map { Int($0.rounded()) } == 11 * 60 + 32)
    }

    /// A copy of a list's items with one object's metadata.resourceVersion changed.
    static func bumped(_ file: String, name: String) throws -> [Value] {
        try items(file).map { item in
            guard item.lookup("metadata.name")?.stringValue == name, case .object(var root) = item,
                case .object(var metadata) = root["metadata"]!
            else { return item }
            metadata["resourceVersion"] = "99999999"
            root["metadata"] = .object(metadata)
            return .object(root)
        }
    }

    @Test func thePlanIdIgnoresChurnButNotChangesToWhatItDeletes() throws {
        func decide(runs: [Value], pods: [Value]) throws -> RunCleanupDecision {
            RunCleanupDecision(
                runs: runs.map(PipelineRun.init), pods: pods.map(Pod.init), claims: try Self.items("agentrun-ci-pvcs.json").map(Claim.init),
                prefix: "agentrun-v01-ci-", now: Self.now, minAgeMinutes: 30, limit: 200)
        }
        let runs = try Self.items("agentrun-ci-pipelineruns.json")
        let pods = try Self.items("agentrun-ci-pods.json")
        let base = try decide(runs: runs, pods: pods).planID
        // The running run and its pods write status all the time: same plan.
        #expect(try decide(runs: Self.bumped("agentrun-ci-pipelineruns.json", name: "agentrun-v01-ci-3f9c2ab"), pods: pods).planID == base)
        #expect(
            try decide(runs: runs, pods: Self.bumped("agentrun-ci-pods.json", name: "agentrun-v01-ci-3f9c2ab-swift-test-pod")).planID
                == base)
        // A candidate that changed since the dry run: another plan.
        #expect(try decide(runs: Self.bumped("agentrun-ci-pipelineruns.json", name: "agentrun-v01-ci-c07be19"), pods: pods).planID != base)
        // The active mount ends (the pod completed): the protection changed, so does the plan.
        let finished = pods.map { pod -> Value in
            guard pod.lookup("metadata.name") == "agentrun-v01-ci-3f9c2ab-swift-test-pod", case .object(var root) = pod,
                case .object(var status) = root["status"]!
            else { return pod }
            status["phase"] = "Succeeded"
            root["status"] = .object(status)
            return .object(root)
        }
        #expect(try decide(runs: runs, pods: finished).planID != base)
    }
}
