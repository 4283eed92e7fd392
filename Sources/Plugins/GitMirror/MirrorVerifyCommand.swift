import Commands
import FoundationEssentials

/// `git-mirror verify run/ID`: did the run's gitbundles come through the lane's mirror, at the
/// commit they should? From the run's `resource-bundle-materialized` events (REST) and the
/// mirror cache on the node (git through the bridge).
struct MirrorVerifyCommand: Command {
    let signature = CommandSignature(
        "git-mirror verify",
        summary: "Check a run's materialized gitbundles against the lane's mirror rule and cache, naming who owns each failure",
        discussion: """
            For each bundle of the run's resource-bundle-materialized events: repoUrl is a credential-free GitHub URL; the runner used the mirror (mirrorUsed), fetched rewrite(repoUrl) (fetchRepoUrl) from the catalogue's gitMirror.baseUrl; requested ref and actual commitId are there; the commit exists in the mirror cache and is the pinned commit, or on the requested ref. --rollout-commit SHA fails a bundle that checked out that rollout commit without an explicit pin (an injected rollout commitId is only a hint). --skill NAME requires .agents/skills/NAME among the bundles' skillDirs.
            Every failed check names its owner — AgentRun (bundle materialization, runner assembly) or infrastructure (a mirror cache gap) — with the reason, and the command exits 1. Prints the bundles/tools/promptRefs/skillDirs summary closeout evidence needs.
            """,
        positionals: [Positional("run", "run/ID (or the run id)", completion: .provider(GitMirrorPlugin.runProvider))],
        options: [
            .node, .lane,
            Option("rollout-commit", "The rollout commit that must not be checked out without a pin", valueName: "SHA"),
            Option("skill", "A skill that must be assembled from a bundle (.agents/skills/NAME)", valueName: "NAME"),
        ],
        examples: [
            Example("git-mirror verify run/r-1", "Did the run's bundles come through the mirror, at the right commit?"),
            Example(
                "git-mirror verify run/r-1 --rollout-commit 8d41e07b3c5a9f1e2d4c6b8a0f1e3d5c7b9a1f2e --skill agentrun-closeout -o json",
                "The closeout check, for evidence"),
        ])

    struct Options: LaneScoped {
        let facts: MirrorFacts
        let rule: MirrorRule
        let cacheDir: String
        let runID: String
        let rolloutCommit: String?
        let skill: String?
        var lane: LaneSettings { facts.lane }
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        var run = invocation.argument("run") ?? ""
        if run.hasPrefix("run/") { run.removeFirst(4) }
        try Identifier.check(run, "run id")
        let rollout = invocation.option("rollout-commit")?.lowercased()
        if let rollout, !(7...40).contains(rollout.count) || !rollout.allSatisfy(\.isHexDigit) {
            throw ArsError.usage(.badValue, "--rollout-commit needs a commit id of 7 to 40 hex digits (got '\(rollout)')")
        }
        let skill = invocation.option("skill")
        if let skill, skill.isEmpty || !skill.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) || skill.hasPrefix(".") {
            throw ArsError.usage(.badValue, "--skill '\(skill)' is not a skill name (letters, digits, '-', '_', '.')")
        }
        let facts = MirrorFacts(try invocation.lane(in: session))
        return Options(
            facts: facts, rule: try facts.requireRule(), cacheDir: try facts.requireCache(), runID: run, rolloutCommit: rollout,
            skill: skill)
    }

    /// One rule applied to one bundle.
    struct Check {
        let name: String
        let ok: Bool
        /// Who owns the failure (`AgentRun`, `infrastructure`), nil when it held.
        let owner: String?
        let detail: String

        var value: Value { .object(["name": .string(name), "ok": .bool(ok), "owner": .optional(owner), "detail": .string(detail)]) }
    }

    static let materialization = "AgentRun bundle materialization"

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let client = try AgentRunClient(session: session, lane: options.lane)
        let events = try await EventReader(client: client, collection: "runs", id: options.runID).readAll()
        let bundles = events.filter { $0["type"]?.stringValue == "resource-bundle-materialized" }
            .flatMap { ($0.lookup("data.bundles") ?? $0["bundles"])?.arrayValue ?? [] }
        let node = try NodeClient(session: session, lane: options.lane)
        let probes = try await probe(bundles, options: options, node: node)

        var bundleValues: [Value] = []
        var failures: [Value] = []
        var blocks: [HumanBlock] = []
        for (index, bundle) in bundles.enumerated() {
            let checks = self.checks(bundle, probe: probes[index], options: options)
            let repoUrl = bundle["repoUrl"]?.stringValue ?? ""
            let shown = MirrorRule.redacted(repoUrl)
            for check in checks where !check.ok {
                failures.append(
                    .object([
                        "bundle": .string(shown), "check": .string(check.name), "owner": .optional(check.owner),
                        "reason": .string(check.detail),
                    ]))
            }
            var value = Object()
            for key in [
                "kind", "repoUrl", "requestedRef", "requestedCommit", "commitId", "fetchRepoUrl", "mirrorUsed", "mirrorBaseUrl", "tools",
                "promptRefs", "skillDirs",
            ] {
                value[key] = key == "repoUrl" ? .string(shown) : (bundle[key] ?? .null)
            }
            value["checks"] = .array(checks.map(\.value))
            bundleValues.append(.object(value))
            blocks.append(
                .section(
                    "\(shown) @ \(bundle["requestedRef"]?.stringValue ?? bundle["requestedCommit"]?.stringValue ?? "?") → \(String((bundle["commitId"]?.stringValue ?? "?").prefix(12)))",
                    [
                        .table(
                            Table(
                                columns: [.init("CHECK"), .init(""), .init("OWNER"), .init("DETAIL")],
                                rows: checks.map { [$0.name, $0.ok ? "✓" : "✗", $0.owner ?? "", $0.detail] }))
                    ]))
        }
        var skillFound: Bool?
        if let skill = options.skill {
            let wanted = ".agents/skills/\(skill)"
            let found = bundles.contains { ($0["skillDirs"]?.arrayValue ?? []).contains { $0.stringValue == wanted } }
            skillFound = found
            if !found {
                failures.append(
                    .object([
                        "bundle": .null, "check": "skill", "owner": "AgentRun",
                        "reason": .string("\(wanted)/SKILL.md was not assembled from any bundle (AgentRun runner assembly)"),
                    ]))
            }
        }
        if bundles.isEmpty {
            failures.append(
                .object([
                    "bundle": .null, "check": "materialized", "owner": .null,
                    "reason": "the run has no resource-bundle-materialized event yet: nothing to verify",
                ]))
        }
        func all(_ key: String) -> [Value] { bundles.flatMap { $0[key]?.arrayValue ?? [] } }
        let summary = Value.object([
            "bundles": .int(bundles.count), "tools": .array(all("tools")), "promptRefs": .array(all("promptRefs")),
            "skillDirs": .array(all("skillDirs")),
        ])
        let value = Value.object([
            "apiVersion": "ars/v1", "kind": "GitMirrorVerify", "lane": .string(options.lane.qualifiedName), "runId": .string(options.runID),
            "verified": .bool(failures.isEmpty), "rolloutCommit": .optional(options.rolloutCommit), "skill": .optional(options.skill),
            "skillAssembled": skillFound.map(Value.bool) ?? .null, "bundles": .array(bundleValues), "summary": summary,
            "failures": .array(failures), "valuesPrinted": false,
        ])
        var human: [HumanBlock] = [
            .summary(
                failures.isEmpty
                    ? "run/\(options.runID): \(bundles.count) bundle(s) came through the mirror at the right commit"
                    : "run/\(options.runID): \(failures.count) check(s) failed")
        ]
        human += blocks
        human.append(
            .fields([
                ("tools", all("tools").compactMap(\.stringValue).joined(separator: ", ")),
                ("promptRefs", all("promptRefs").compactMap(\.stringValue).joined(separator: ", ")),
                ("skillDirs", all("skillDirs").compactMap(\.stringValue).joined(separator: ", ")),
            ]))
        for failure in failures {
            human.append(
                .warning("\(failure["owner"]?.stringValue.map { "owner \($0): " } ?? "")\(failure["reason"]?.stringValue ?? "")"))
        }
        human.append(
            .next(["events run/\(options.runID) --type resource-bundle-materialized", "git-mirror status \(options.facts.laneFlags)"]))
        return CommandOutput(value, human: human, status: failures.isEmpty ? 0 : 1)
    }

    /// What the mirror cache says about each bundle's commit: `no-repo`, or whether the commit
    /// is there and on the requested ref.
    struct Probe {
        var repository = false
        var commitPresent = false
        var onRef = false
    }

    private func probe(_ bundles: [Value], options: Options, node: NodeClient) async throws -> [Probe] {
        var script = ""
        for (index, bundle) in bundles.enumerated() {
            guard let url = bundle["repoUrl"]?.stringValue, let path = (try? options.rule.rewrite(url))?.cachePath,
                let commit = bundle["commitId"]?.stringValue, commit.count == 40, commit.allSatisfy(\.isHexDigit)
            else { continue }
            let ref = bundle["requestedRef"]?.stringValue ?? "main"
            let repo = ShellQuote.quote(path)
            script += "if [ -d \(repo) ]; then echo '\(index) repo'; "
            script += "git --git-dir=\(repo) cat-file -e \(commit)^{commit} 2>/dev/null && echo '\(index) present'; "
            script +=
                "git --git-dir=\(repo) merge-base --is-ancestor \(commit) \(ShellQuote.quote("refs/heads/" + ref)) 2>/dev/null && echo '\(index) on-ref'; "
            script += "fi\n"
        }
        var probes = Array(repeating: Probe(), count: bundles.count)
        guard !script.isEmpty else { return probes }
        let result = try await node.script(script + "true\n", in: options.cacheDir)
        guard result.succeeded else { throw node.failure(.script(script, in: options.cacheDir), result) }
        for line in result.stdoutText.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count == 2, let index = Int(words[0]), probes.indices.contains(index) else { continue }
            switch words[1] {
            case "repo": probes[index].repository = true
            case "present": probes[index].commitPresent = true
            case "on-ref": probes[index].onRef = true
            default: break
            }
        }
        return probes
    }

    private func checks(_ bundle: Value, probe: Probe, options: Options) -> [Check] {
        var checks: [Check] = []
        let url = bundle["repoUrl"]?.stringValue ?? ""
        let rewrite: MirrorRule.Rewrite
        do {
            rewrite = try options.rule.rewrite(url)
        } catch {
            return [
                Check(
                    name: "repo-url", ok: false, owner: "AgentRun",
                    detail: "repoUrl is not a credential-free repository URL: \(error.message)")
            ]
        }
        let commit = bundle["commitId"]?.stringValue ?? ""
        let pinned = bundle["requestedCommit"]?.stringValue
        let ref = bundle["requestedRef"]?.stringValue
        guard let mirrorURL = rewrite.mirrorURL else {
            checks.append(Check(name: "repo-url", ok: true, owner: nil, detail: "\(rewrite.host) is not mirrored; fetched as it is"))
            return checks
        }
        checks.append(Check(name: "repo-url", ok: true, owner: nil, detail: "GitHub repository \(rewrite.repository ?? "")"))
        let used = bundle["mirrorUsed"]?.boolValue == true
        checks.append(
            Check(
                name: "mirror-used", ok: used, owner: used ? nil : "AgentRun",
                detail: used
                    ? "fetched through the mirror"
                    : "the runner fetched GitHub directly instead of the controlled mirror (\(Self.materialization))"))
        let fetched = bundle["fetchRepoUrl"]?.stringValue ?? ""
        checks.append(
            Check(
                name: "fetch-url", ok: fetched == mirrorURL, owner: fetched == mirrorURL ? nil : "AgentRun",
                detail: fetched == mirrorURL
                    ? "fetchRepoUrl = rewrite(repoUrl)"
                    : "fetchRepoUrl \(MirrorRule.redacted(fetched)) is not rewrite(repoUrl) = \(mirrorURL) (\(Self.materialization))"))
        let base = bundle["mirrorBaseUrl"]?.stringValue ?? ""
        checks.append(
            Check(
                name: "mirror-base", ok: base == options.rule.baseURL, owner: base == options.rule.baseURL ? nil : "AgentRun",
                detail: base == options.rule.baseURL
                    ? "mirrorBaseUrl is the catalogue's"
                    : "mirrorBaseUrl \(MirrorRule.redacted(base)) is not the catalogue's \(options.rule.baseURL) (runner configuration)"))
        let hasCommit = commit.count == 40 && commit.allSatisfy(\.isHexDigit)
        checks.append(
            Check(
                name: "commit", ok: hasCommit && (ref != nil || pinned != nil),
                owner: hasCommit && (ref != nil || pinned != nil) ? nil : "AgentRun",
                detail: hasCommit
                    ? "requested \(pinned.map { "commit \($0)" } ?? "ref \(ref ?? "?")"), got \(commit)" : "no actual commitId"))
        guard hasCommit else { return checks }
        if !probe.repository {
            checks.append(Check(name: "in-mirror", ok: false, owner: MirrorAttribution.owner, detail: MirrorAttribution.cacheGap))
        } else {
            checks.append(
                Check(
                    name: "in-mirror", ok: probe.commitPresent, owner: probe.commitPresent ? nil : "AgentRun",
                    detail: probe.commitPresent
                        ? "the commit exists in \(rewrite.cachePath ?? "")"
                        : "the mirror does not hold \(commit): the runner did not check it out from the mirror (\(Self.materialization))"))
        }
        if let pinned {
            let matches = commit.hasPrefix(pinned) || pinned.hasPrefix(commit)
            checks.append(
                Check(
                    name: "pin", ok: matches, owner: matches ? nil : "AgentRun",
                    detail: matches ? "the explicit pin" : "pinned \(pinned) but checked out \(commit) (\(Self.materialization))"))
        } else if probe.repository && probe.commitPresent {
            checks.append(
                Check(
                    name: "on-ref", ok: probe.onRef, owner: probe.onRef ? nil : "AgentRun",
                    detail: probe.onRef
                        ? "on \(ref ?? "main") in the mirror"
                        : "\(commit) is not on \(ref ?? "main") in the mirror (\(Self.materialization))"))
        }
        if let rollout = options.rolloutCommit {
            let isRollout = commit.hasPrefix(rollout) && pinned == nil
            checks.append(
                Check(
                    name: "rollout", ok: !isRollout, owner: isRollout ? "AgentRun" : nil,
                    detail: isRollout
                        ? "checked out the rollout commit \(rollout) without an explicit pin: an injected rollout commitId is only a hint (\(Self.materialization))"
                        : "not the rollout commit (or explicitly pinned)"))
        }
        return checks
    }
}
