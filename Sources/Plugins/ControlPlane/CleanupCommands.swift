import Commands
import FoundationEssentials

// MARK: - The decision (pure, so the fixture's verdicts are tested directly)

/// Which completed CI runs may go: only the lane's `agentrun-v01-ci-*` runs in its CI namespace
/// that are done, completed before the cutoff, not the most recently completed run, and whose
/// workspace claims no active pod mounts.
struct RunCleanupDecision: Sendable {
    struct Candidate: Sendable {
        let run: PipelineRun
        let claims: [Claim]
    }

    /// Why a run of the lane is kept; the raw value is what plans and values show.
    enum Protection: String, Sendable {
        /// Not finished.
        case running
        /// The newest finished run (the runbook keeps it for diagnosis).
        case latestCompleted = "latest-completed"
        /// Finished less than `--min-age-minutes` ago.
        case tooYoung = "too-young"
        /// A pod still mounts one of its volumes.
        case activeMount = "active-mount"
    }

    struct Protected: Sendable {
        let run: PipelineRun
        let reasons: [Protection]
        let mountedBy: [String]
    }

    let cutoff: Date
    let candidates: [Candidate]
    /// Candidates left for a later run by `--limit`.
    let deferred: [Candidate]
    let protected: [Protected]
    /// Runs in the namespace that are not the lane's (other prefixes): never touched.
    let ignored: [String]

    init(runs: [PipelineRun], pods: [Pod], claims: [Claim], prefix: String, now: Date, minAgeMinutes: Int, limit: Int) {
        cutoff = now.addingTimeInterval(-Double(minAgeMinutes) * 60)
        let own = runs.filter { $0.name.hasPrefix(prefix) }
        ignored = runs.filter { !$0.name.hasPrefix(prefix) }.map(\.name)
        let latest = own.filter(\.isDone).max {
            ($0.completionTime ?? .distantPast, $0.name) < ($1.completionTime ?? .distantPast, $1.name)
        }
        var eligible: [Candidate] = []
        var protected: [Protected] = []
        for run in own {
            let owned = claims.filter { $0.object.ownerUIDs.contains(run.object.uid) }
            let mounters = pods.filter { pod in pod.mountsActively && pod.claimNames.contains { name in owned.contains { $0.name == name } }
            }.map(\.name)
            var reasons: [Protection] = []
            if !run.isDone { reasons.append(.running) }
            if let latest, run.name == latest.name { reasons.append(.latestCompleted) }
            if let completed = run.completionTime, completed > cutoff { reasons.append(.tooYoung) }
            if !mounters.isEmpty { reasons.append(.activeMount) }
            if reasons.isEmpty {
                eligible.append(Candidate(run: run, claims: owned))
            } else {
                protected.append(Protected(run: run, reasons: reasons, mountedBy: mounters.sorted()))
            }
        }
        eligible.sort { ($0.run.completionTime ?? .distantPast, $0.run.name) < ($1.run.completionTime ?? .distantPast, $1.run.name) }
        candidates = Array(eligible.prefix(max(0, limit)))
        deferred = Array(eligible.dropFirst(max(0, limit)))
        self.protected = protected.sorted { $0.run.name < $1.run.name }
    }
}

extension RunCleanupDecision {
    /// What the plan rests on: the exact versions of what it deletes, and why each other run
    /// stays. Running runs and pods change version all the time; their protections do not.
    var planID: String {
        WriteGate.planID(
            observed: candidates.flatMap { [$0.run.object.fingerprint] + $0.claims.map(\.object.fingerprint) }
                + protected.map {
                    "protected \($0.run.name) \($0.reasons.map(\.rawValue).joined(separator: ",")) \($0.mountedBy.joined(separator: ","))"
                }
                + deferred.map { "deferred \($0.run.name)" },
            decided: candidates.map(\.run.name))
    }
}

/// Which PersistentVolumes the secondary reclaim may delete: Released, claimed from the lane's
/// CI namespace, storage class `local-path`, reclaim policy `Delete`. Nothing else, ever.
struct VolumeCleanupDecision: Sendable {
    let candidates: [Volume]
    let deferred: [Volume]
    /// Why each other volume is left alone, counted: `Bound`, `other-namespace`, …
    let skipped: [(reason: String, names: [String])]

    init(volumes: [Volume], ciNamespace: String, limit: Int) {
        var eligible: [Volume] = []
        var skipped: [String: [String]] = [:]
        for volume in volumes {
            let reason: String? =
                if volume.phase != "Released" { "phase \(volume.phase)" } else if volume.claimNamespace != ciNamespace {
                    "claim not in \(ciNamespace)"
                } else if volume.storageClass != "local-path" {
                    "storage class \(volume.storageClass ?? "none")"
                } else if volume.reclaimPolicy != "Delete" { "reclaim policy \(volume.reclaimPolicy ?? "none")" } else { nil }
            if let reason { skipped[reason, default: []].append(volume.name) } else { eligible.append(volume) }
        }
        eligible.sort { ($0.phaseSince ?? .distantPast, $0.name) < ($1.phaseSince ?? .distantPast, $1.name) }
        candidates = Array(eligible.prefix(max(0, limit)))
        deferred = Array(eligible.dropFirst(max(0, limit)))
        self.skipped = skipped.sorted { $0.key < $1.key }.map { ($0.key, $0.value.sorted()) }
    }
}

// MARK: - Byte estimates

/// Measures local-path folders on the node with `du -sb`; a folder that cannot be measured
/// falls back to the volume's capacity, and says so.
enum DiskEstimate {
    struct Entry: Sendable {
        let bytes: Int64?
        let source: String
    }

    static func measure(_ volumes: [Volume], node: NodeClient) async throws -> [String: Entry] {
        let paths = volumes.compactMap(\.path)
        var measured: [String: Int64] = [:]
        if !paths.isEmpty {
            let script = "for p in " + ShellQuote.join(paths) + "; do du -sb -- \"$p\" 2>/dev/null; done; true"
            let result = try await node.script(script, in: "/")
            for line in result.stdoutText.split(separator: "\n") {
                let parts = line.split(separator: "\t", maxSplits: 1)
                if parts.count == 2, let bytes = Int64(parts[0]) { measured[String(parts[1])] = bytes }
            }
        }
        var entries: [String: Entry] = [:]
        for volume in volumes {
            if let path = volume.path, let bytes = measured[path] {
                entries[volume.name] = Entry(bytes: bytes, source: "du")
            } else {
                entries[volume.name] = Entry(bytes: Kube.bytes(volume.capacity), source: "capacity")
            }
        }
        return entries
    }
}

// MARK: - cleanup-runs

struct CleanupRunsCommand: Command {
    let signature = CommandSignature(
        "control-plane cleanup-runs", summary: "Delete completed CI PipelineRuns older than a cutoff (their workspace PVCs go with them)",
        discussion: """
            Only the lane's CI namespace (agentrun-ci) and only its own runs (agentrun-v01-ci-*). A run is a candidate when it is done, completed more than --min-age-minutes ago, is not the most recently completed run, and no active pod mounts its workspace PVC. Tekton's ownerReferences release the PVCs. --dry-run discloses candidates, their PVCs, the protections, the local-path bytes (measured with du on the node, else the capacity) and the confirm command.
            """,
        options: [
            .node, .lane,
            Option("min-age-minutes", "Only runs completed at least this many minutes ago", kind: .int, default: "30"),
            Option("limit", "Delete at most this many runs (oldest first)", kind: .int, default: "200"),
        ] + WriteGate.options,
        examples: [
            Example("control-plane cleanup-runs --min-age-minutes 30 --limit 200 --dry-run", "What would go, and why the rest stays"),
            Example(
                "control-plane cleanup-runs --min-age-minutes 30 --limit 200 --confirm --plan 3b1f0c9d2e4a",
                "Delete exactly what the dry run showed"),
        ])

    struct Options: LaneScoped {
        let gated: GatedLane
        let minAge: Int
        let limit: Int
        var lane: LaneSettings { gated.lane }
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        for name in ["min-age-minutes", "limit"] where (invocation.intOption(name) ?? 0) < (name == "limit" ? 1 : 0) {
            throw ArsError.usage(
                .badValue, "--\(name) must be \(name == "limit" ? "at least 1" : "0 or more") (got \(invocation.option(name) ?? ""))")
        }
        return Options(
            gated: try GatedLane.resolve(invocation, in: session), minAge: invocation.intOption("min-age-minutes") ?? 30,
            limit: invocation.intOption("limit") ?? 200)
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let (facts, mode, minAge, limit) = (options.gated.facts, options.gated.mode, options.minAge, options.limit)
        let node = try facts.node(in: session)
        let ci = facts.ciNamespace
        async let runValues = node.kubectlList(["-n", ci, "get", "pipelineruns.tekton.dev"])
        async let podValues = node.kubectlList(["-n", ci, "get", "pods"])
        async let claimValues = node.kubectlList(["-n", ci, "get", "persistentvolumeclaims"])
        async let volumeValues = node.kubectlList(["get", "persistentvolumes"])
        let runs = try await runValues.map(PipelineRun.init)
        let pods = try await podValues.map(Pod.init)
        let claims = try await claimValues.map(Claim.init)
        let volumes = try await volumeValues.map(Volume.init)
        let now = session.clock.now()
        let decision = RunCleanupDecision(
            runs: runs, pods: pods, claims: claims, prefix: facts.runPrefix, now: now, minAgeMinutes: minAge, limit: limit)
        if let notice = EmptySelection.notice(
            kind: "PipelineRun", namespace: ci, wanted: facts.runPrefix + "*",
            matched: runs.contains { $0.name.hasPrefix(facts.runPrefix) },
            found: decision.ignored)
        {
            session.warn(notice)
        }

        let candidateVolumes = decision.candidates.flatMap(\.claims).compactMap { claim in volumes.first { $0.name == claim.volumeName } }
        let estimates = try await DiskEstimate.measure(candidateVolumes, node: node)
        let command = "\(signature.name) \(facts.laneFlags) --min-age-minutes \(minAge) --limit \(limit)"
        let planID = decision.planID
        try WriteGate.check(mode, planID: planID, command: command)

        var plan = PlanReport(
            command: command, lane: facts.lane, mode: mode, planID: planID,
            actions: decision.candidates.map {
                "delete PipelineRun \(ci)/\($0.run.name)"
                    + ($0.claims.isEmpty ? "" : " (releases \($0.claims.map(\.name).joined(separator: ", ")))")
            })
        let totalBytes = decision.candidates.flatMap(\.claims).compactMap { claim in claim.volumeName.flatMap { estimates[$0]?.bytes } }
            .reduce(0, +)
        plan.details = [
            ("namespace", .string(ci)), ("prefix", .string(facts.runPrefix)),
            ("minAgeMinutes", .int(minAge)), ("limit", .int(limit)), ("now", .string(Kube.format(now))),
            ("cutoff", .string(Kube.format(decision.cutoff))),
            (
                "candidates",
                .array(decision.candidates.map { candidate in candidateValue(candidate, volumes: volumes, estimates: estimates, now: now) })
            ),
            (
                "protected",
                .array(
                    decision.protected.map { item in
                        .object([
                            "name": .string(item.run.name), "state": .string(item.run.state.rawValue), "reason": .optional(item.run.reason),
                            "completionTime": .optional(item.run.completionTime.map(Kube.format)),
                            "protections": .array(item.reasons.map { .string($0.rawValue) }),
                            "mountedBy": .array(item.mountedBy.map(Value.string)),
                        ])
                    })
            ),
            ("deferred", .array(decision.deferred.map { .string($0.run.name) })),
            ("ignored", .array(decision.ignored.map(Value.string))),
            ("estimatedBytes", .int(Int(totalBytes))),
        ]

        var done: [String] = []
        if !plan.isDryRun && !decision.candidates.isEmpty {
            let names = decision.candidates.map(\.run.name)
            try await node.kubectlWrite(["-n", ci, "delete", "pipelineruns.tekton.dev"] + names + ["--wait=false"])
            done = names.map { "deleted PipelineRun \(ci)/\($0)" }
        }
        return CommandOutput(
            plan.value(done: done),
            human: human(
                plan, ciNamespace: ci, decision, estimates: estimates, volumes: volumes, totalBytes: totalBytes, now: now, done: done))
    }

    private func candidateValue(
        _ candidate: RunCleanupDecision.Candidate, volumes: [Volume], estimates: [String: DiskEstimate.Entry], now: Date
    ) -> Value {
        .object([
            "name": .string(candidate.run.name), "state": .string(candidate.run.state.rawValue), "reason": .optional(candidate.run.reason),
            "completionTime": .optional(candidate.run.completionTime.map(Kube.format)),
            "ageSeconds": .optional(candidate.run.completionTime.map { Int(now.timeIntervalSince($0).rounded()) }),
            "pvcs": .array(
                candidate.claims.map { claim in
                    let estimate = claim.volumeName.flatMap { estimates[$0] }
                    return .object([
                        "name": .string(claim.name), "volume": .optional(claim.volumeName),
                        "path": .optional(volumes.first { $0.name == claim.volumeName }?.path),
                        "capacity": .optional(claim.capacity ?? claim.requested),
                        "bytes": .optional(estimate?.bytes.map { Int($0) }), "bytesSource": .optional(estimate?.source),
                    ])
                }),
        ])
    }

    private func human(
        _ plan: PlanReport, ciNamespace: String, _ decision: RunCleanupDecision, estimates: [String: DiskEstimate.Entry], volumes: [Volume],
        totalBytes: Int64,
        now: Date, done: [String]
    ) -> [HumanBlock] {
        let verb = plan.isDryRun ? "would delete" : "deleted"
        var blocks: [HumanBlock] = [
            .summary(
                "\(plan.lane.qualifiedName): \(verb) \(decision.candidates.count) PipelineRun(s) in \(ciNamespace) completed before \(Kube.format(decision.cutoff)) — about \(ByteSize.format(totalBytes)) of local-path; \(decision.protected.count) protected"
            )
        ]
        if !decision.candidates.isEmpty {
            blocks.append(
                .table(
                    Table(
                        columns: [
                            .init("CANDIDATE"), .init("STATE"), .init("COMPLETED"), .init("AGE", alignRight: true), .init("PVC"),
                            .init("BYTES", alignRight: true),
                        ],
                        rows: decision.candidates.map { candidate in
                            let claim = candidate.claims.first
                            let estimate = claim?.volumeName.flatMap { estimates[$0] }
                            return [
                                candidate.run.name, candidate.run.reason ?? candidate.run.state.rawValue,
                                candidate.run.completionTime.map(Kube.format) ?? "–",
                                candidate.run.completionTime.map { Durations.age(now.timeIntervalSince($0)) } ?? "–",
                                candidate.claims.map(\.name).joined(separator: ",").isEmpty
                                    ? "–" : candidate.claims.map(\.name).joined(separator: ","),
                                estimate.map { ($0.bytes.map(ByteSize.format) ?? "?") + ($0.source == "du" ? "" : " (capacity)") } ?? "–",
                            ]
                        })))
        }
        if !decision.protected.isEmpty {
            blocks.append(
                .table(
                    Table(
                        columns: [.init("PROTECTED"), .init("STATE"), .init("WHY")],
                        rows: decision.protected.map { item in
                            [
                                item.run.name, item.run.reason ?? item.run.state.rawValue,
                                item.reasons.map {
                                    $0 == .activeMount ? "active-mount (\(item.mountedBy.joined(separator: ", ")))" : $0.rawValue
                                }
                                .joined(separator: ", "),
                            ]
                        })))
        }
        if !decision.deferred.isEmpty {
            blocks.append(.text("left for a later run by --limit: \(decision.deferred.map(\.run.name).joined(separator: ", "))"))
        }
        blocks.append(.fields([("plan", plan.planID)]))
        if plan.isDryRun {
            blocks.append(.next(decision.candidates.isEmpty ? [] : [plan.confirm]))
        } else {
            blocks.append(.text(done.isEmpty ? "nothing to delete" : done.joined(separator: "\n")))
        }
        return blocks
    }
}

// MARK: - cleanup-released-pvs

struct CleanupReleasedVolumesCommand: Command {
    let signature = CommandSignature(
        "control-plane cleanup-released-pvs", summary: "Delete Released local-path PVs of the CI namespace (reclaim policy Delete only)",
        discussion: """
            The secondary reclaim: only PersistentVolumes in phase Released whose claim was in the lane's CI namespace (agentrun-ci), with storage class local-path and reclaim policy Delete. The runtime namespace, business PVCs, Secrets, registry storage and GitOps state are never candidates.
            """,
        options: [.node, .lane, Option("limit", "Delete at most this many volumes (longest released first)", kind: .int, default: "200")]
            + WriteGate.options,
        examples: [Example("control-plane cleanup-released-pvs --limit 200 --dry-run", "Which released CI volumes would go")])

    struct Options: LaneScoped {
        let gated: GatedLane
        let limit: Int
        var lane: LaneSettings { gated.lane }
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        if (invocation.intOption("limit") ?? 0) < 1 {
            throw ArsError.usage(.badValue, "--limit must be at least 1 (got \(invocation.option("limit") ?? ""))")
        }
        return Options(gated: try GatedLane.resolve(invocation, in: session), limit: invocation.intOption("limit") ?? 200)
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let (facts, mode, limit) = (options.gated.facts, options.gated.mode, options.limit)
        let node = try facts.node(in: session)
        let volumes = try await node.kubectlList(["get", "persistentvolumes"]).map(Volume.init)
        let decision = VolumeCleanupDecision(volumes: volumes, ciNamespace: facts.ciNamespace, limit: limit)
        let estimates = try await DiskEstimate.measure(decision.candidates, node: node)
        let command = "\(signature.name) \(facts.laneFlags) --limit \(limit)"
        let planID = WriteGate.planID(
            observed: decision.candidates.map(\.object.fingerprint) + decision.deferred.map { "deferred \($0.name)" },
            decided: decision.candidates.map(\.name))
        try WriteGate.check(mode, planID: planID, command: command)
        let totalBytes = decision.candidates.compactMap { estimates[$0.name]?.bytes }.reduce(0, +)

        var plan = PlanReport(
            command: command, lane: facts.lane, mode: mode, planID: planID,
            actions: decision.candidates.map { "delete PersistentVolume \($0.name)" })
        plan.details = [
            ("ciNamespace", .string(facts.ciNamespace)), ("limit", .int(limit)),
            (
                "candidates",
                .array(
                    decision.candidates.map { volume in
                        .object([
                            "name": .string(volume.name), "claim": .string("\(volume.claimNamespace ?? "")/\(volume.claimName ?? "")"),
                            "storageClass": .optional(volume.storageClass), "reclaimPolicy": .optional(volume.reclaimPolicy),
                            "releasedAt": .optional(volume.phaseSince.map(Kube.format)), "path": .optional(volume.path),
                            "capacity": .optional(volume.capacity),
                            "bytes": .optional(estimates[volume.name]?.bytes.map { Int($0) }),
                            "bytesSource": .optional(estimates[volume.name]?.source),
                        ])
                    })
            ),
            ("deferred", .array(decision.deferred.map { .string($0.name) })),
            ("skipped", .object(Object(decision.skipped.map { ($0.reason, Value.array($0.names.map(Value.string))) }))),
            ("estimatedBytes", .int(Int(totalBytes))),
        ]
        var done: [String] = []
        if !plan.isDryRun && !decision.candidates.isEmpty {
            let names = decision.candidates.map(\.name)
            try await node.kubectlWrite(["delete", "persistentvolumes"] + names + ["--wait=false"])
            done = names.map { "deleted PersistentVolume \($0)" }
        }

        let verb = plan.isDryRun ? "would delete" : "deleted"
        var blocks: [HumanBlock] = [
            .summary(
                "\(facts.lane.qualifiedName): \(verb) \(decision.candidates.count) Released local-path PV(s) of \(facts.ciNamespace) — about \(ByteSize.format(totalBytes)); \(volumes.count - decision.candidates.count - decision.deferred.count) other PV(s) left alone"
            )
        ]
        if !decision.candidates.isEmpty {
            blocks.append(
                .table(
                    Table(
                        columns: [.init("PV"), .init("CLAIM"), .init("RELEASED"), .init("BYTES", alignRight: true)],
                        rows: decision.candidates.map { volume in
                            [
                                volume.name, "\(volume.claimNamespace ?? "")/\(volume.claimName ?? "")",
                                volume.phaseSince.map(Kube.format) ?? "–",
                                estimates[volume.name].map {
                                    ($0.bytes.map(ByteSize.format) ?? "?") + ($0.source == "du" ? "" : " (capacity)")
                                } ?? "–",
                            ]
                        })))
        }
        blocks.append(.fields(decision.skipped.map { ("left alone: \($0.reason)", "\($0.names.count)") } + [("plan", planID)]))
        if plan.isDryRun {
            blocks.append(.next(decision.candidates.isEmpty ? [] : [plan.confirm]))
        } else {
            blocks.append(.text(done.isEmpty ? "nothing to delete" : done.joined(separator: "\n")))
        }
        return CommandOutput(plan.value(done: done), human: blocks)
    }
}
