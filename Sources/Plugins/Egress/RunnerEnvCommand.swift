import Commands
import FoundationEssentials

/// `egress runner-env runnerjob/ID | run/ID | task/ID` (or `--pod NAME`): the proxy and credential
/// env a runner got — names, Secret metadata and checks; never a value.
struct RunnerEnvCommand: Command {
    let signature = CommandSignature(
        "egress runner-env",
        summary: "A runner's proxy env, NO_PROXY and transient env wiring (names and Secret metadata only, never a value)",
        discussion: """
            From the runner job (REST) and, when it is still in the cluster, its Pod spec and per-job Secret (kubectl through the node's bridge): proxy env present in upper and lower case; NO_PROXY contains hyueapi.com and .hyueapi.com; each transient env name comes from valueFrom.secretKeyRef of a Secret owned by that Job; no credential-looking env is a literal value; the names equal the job's transientEnv names; when the task asked for the unidesk-ssh tool, UNIDESK_MAIN_SERVER_IP, UNIDESK_MAIN_SERVER_HOST or UNIDESK_FRONTEND_URL is among them.
            A failed check is owned by AgentRun runner assembly (exit 1). Output: names, Secret name/uid/owner/keys and valuesPrinted: false.
            """,
        positionals: [
            Positional("target", "runnerjob/ID, run/ID or task/ID (default: the current task)", optional: true, contextDefault: .task)
        ],
        options: [.node, .lane, Option("pod", "Check this runner Pod in the lane's namespace instead", valueName: "NAME")],
        examples: [
            Example("egress runner-env task/t-42", "The runner env of a task's current runner job"),
            Example("egress runner-env --pod agentrun-runner-5qv8d-z8k96 -o json", "One runner Pod, for evidence"),
        ])

    enum Target: Sendable {
        case runnerJob(String), run(String), task(String), pod(String)
    }

    struct Options: LaneScoped {
        let lane: LaneSettings
        let target: Target
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        let lane = try invocation.lane(in: session)
        if let pod = invocation.option("pod") {
            try Identifier.check(pod, "--pod name")
            return Options(lane: lane, target: .pod(pod))
        }
        guard let text = invocation.argument("target") else {
            throw ArsError.usage(.missingArgument, "egress runner-env needs runnerjob/ID, run/ID or task/ID (or --pod NAME)")
        }
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        let (kind, id) = parts.count == 2 ? (parts[0], parts[1]) : ("task", parts[0])
        try Identifier.check(id, "\(kind) id")
        switch kind {
        case "runnerjob", "runnerjobs", "rj": return Options(lane: lane, target: .runnerJob(id))
        case "run", "runs": return Options(lane: lane, target: .run(id))
        case "task", "tasks": return Options(lane: lane, target: .task(id))
        default:
            throw ArsError.usage(.unknownKind, "'\(kind)' is not runnerjob, run or task", hint: "e.g. egress runner-env runnerjob/ID")
        }
    }

    static let proxyNames = ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"]
    static let unideskNames = ["UNIDESK_MAIN_SERVER_IP", "UNIDESK_MAIN_SERVER_HOST", "UNIDESK_FRONTEND_URL"]

    struct Check {
        let name: String
        /// nil when it could not be checked (the Pod is gone).
        let ok: Bool?
        let detail: String
        var value: Value { .object(["name": .string(name), "ok": ok.map(Value.bool) ?? .null, "detail": .string(detail)]) }
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let lane = options.lane
        var job: Value?
        var task: Value?
        if case .pod = options.target {
        } else {
            let client = try AgentRunClient(session: session, lane: lane)
            switch options.target {
            case .runnerJob(let id): job = try await client.get("/runnerjobs/\(id)").data
            case .run(let id):
                let run = try await client.get("/runs/\(id)").data
                job = try await Self.job(of: run, client: client)
                task = try await run["taskId"]?.stringValue.asyncMap { try await client.get("/tasks/\($0)").data }
            case .task(let id):
                task = try await client.get("/tasks/\(id)").data
                job = try await Self.job(of: task ?? .null, client: client)
            case .pod: break
            }
            if task == nil, let taskId = job?["taskId"]?.stringValue { task = try await client.get("/tasks/\(taskId)").data }
            guard job != nil else {
                throw ArsError(
                    .checkFailed, code: .notFound, "no runner job yet for \(Self.describe(options.target))",
                    hint: "a task gets its runner job when it is dispatched; see 'describe task/ID'")
            }
        }
        let namespace = job?["namespace"]?.stringValue ?? lane.namespace
        let podName: String? =
            if case .pod(let name) = options.target { name } else { job?["podName"]?.stringValue }
        let node = try NodeClient(session: session, lane: lane)
        let pod = try await podName.asyncMap { try await node.kubectlJSON(["-n", namespace, "get", "pod", $0]) } ?? nil
        if case .pod(let name) = options.target, pod == nil {
            throw ArsError(
                .checkFailed, code: .notFound, "no pod \(namespace)/\(name) on \(lane.node)",
                hint: "list them: kubectl -n \(namespace) get pods")
        }
        let jobName =
            job?["jobName"]?.stringValue
            ?? pod?.lookup("metadata.ownerReferences")?.arrayValue?.first { $0["kind"] == "Job" }?["name"]?.stringValue
        let container =
            (pod?.lookup("spec.containers")?.arrayValue ?? []).first { $0["name"] == "runner" }
            ?? pod?.lookup("spec.containers")?.arrayValue?.first
        let env = container?["env"]?.arrayValue ?? []
        // Every Secret the env reads from, by name: its metadata only.
        let secretNames = Set(env.compactMap { $0.lookup("valueFrom.secretKeyRef.name")?.stringValue })
            .union((job?["transientEnv"]?.arrayValue ?? []).compactMap { $0.lookup("secretRef.name")?.stringValue })
        var secrets: [String: Value] = [:]
        for name in secretNames.sorted() {
            if let secret = try await node.kubectlJSON(["-n", namespace, "get", "secret", name]) {
                // The values are secrets from now on, whatever prints later.
                for secret in SecretScanner.secrets(in: secret) { session.registerSecret(secret) }
                secrets[name] = secret
            }
        }
        let checks = Self.checks(job: job, task: task, pod: pod, env: env, jobName: jobName, secrets: secrets)
        return Self.output(options, job: job, pod: pod, podName: podName, namespace: namespace, env: env, secrets: secrets, checks: checks)
    }

    static func describe(_ target: Target) -> String {
        switch target {
        case .runnerJob(let id): "runnerjob/\(id)"
        case .run(let id): "run/\(id)"
        case .task(let id): "task/\(id)"
        case .pod(let name): "pod/\(name)"
        }
    }

    /// The runner job of a task or run (its `runnerJobId`, else the newest listed for it).
    static func job(of owner: Value, client: AgentRunClient) async throws -> Value? {
        if let id = owner["runnerJobId"]?.stringValue { return try await client.get("/runnerjobs/\(id)").data }
        guard let taskId = owner["taskId"]?.stringValue ?? (owner["aipod"] != nil ? owner["id"]?.stringValue : nil) else { return nil }
        return try await client.get("/runnerjobs", query: [("taskId", taskId), ("limit", "1")]).data["items"]?.arrayValue?.first
    }

    static func checks(job: Value?, task: Value?, pod: Value?, env: [Value], jobName: String?, secrets: [String: Value]) -> [Check] {
        var checks: [Check] = []
        let envNames = env.compactMap { $0["name"]?.stringValue }
        let havePod = pod != nil
        // Proxy env, upper and lower case.
        let proxyNames = havePod ? envNames : (job?["proxyEnv"]?.arrayValue ?? []).compactMap(\.stringValue)
        let missingProxy = Self.proxyNames.filter { !proxyNames.contains($0) }
        checks.append(
            Check(
                name: "proxy-env", ok: missingProxy.isEmpty,
                detail: missingProxy.isEmpty
                    ? "HTTPS_PROXY, HTTP_PROXY, https_proxy, http_proxy set" : "missing \(missingProxy.joined(separator: ", "))"))
        // NO_PROXY entries (the value is read, never shown).
        let noProxy =
            havePod
            ? env.first { $0["name"] == "NO_PROXY" }?["value"]?.stringValue ?? env.first { $0["name"] == "no_proxy" }?["value"]?.stringValue
            : job?["noProxy"]?.stringValue
        let entries = Set((noProxy ?? "").split(separator: ",").map { $0.trimmingSpaces() })
        let missingEntries = ["hyueapi.com", ".hyueapi.com"].filter { !entries.contains($0) }
        checks.append(
            Check(
                name: "no-proxy", ok: noProxy != nil && missingEntries.isEmpty,
                detail: noProxy == nil
                    ? "NO_PROXY is not set"
                    : missingEntries.isEmpty
                        ? "NO_PROXY has hyueapi.com and .hyueapi.com" : "NO_PROXY lacks \(missingEntries.joined(separator: ", "))"))
        // Transient env: each from a secretKeyRef of a Secret the Job owns.
        let declared = (job?["transientEnv"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        if havePod {
            let fromSecrets = env.filter { $0.lookup("valueFrom.secretKeyRef") != nil }
            let names = fromSecrets.compactMap { $0["name"]?.stringValue }
            let notFromSecret = declared.filter { name in !names.contains(name) }
            checks.append(
                Check(
                    name: "transient-env", ok: notFromSecret.isEmpty && !names.isEmpty,
                    detail: notFromSecret.isEmpty
                        ? "\(names.joined(separator: ", ")) from valueFrom.secretKeyRef"
                        : "\(notFromSecret.joined(separator: ", ")) not from a secretKeyRef"))
            let literal = env.filter { $0["value"] != nil && Session.looksLikeCredential(name: $0["name"]?.stringValue ?? "") }
                .compactMap { $0["name"]?.stringValue }
            checks.append(
                Check(
                    name: "no-literal-credential", ok: literal.isEmpty,
                    detail: literal.isEmpty
                        ? "no credential-looking env has a literal value" : "\(literal.joined(separator: ", ")) set as a literal value"))
            if job != nil {
                let same = Set(names) == Set(declared)
                checks.append(
                    Check(
                        name: "names-match", ok: same,
                        detail: same
                            ? "the Pod's secret env names equal the job's transientEnv"
                            : "Pod \(names.sorted().joined(separator: ",")) vs job \(declared.sorted().joined(separator: ","))"))
            }
        } else {
            let refs = (job?["transientEnv"]?.arrayValue ?? []).filter { $0.lookup("secretRef.name") != nil }
            checks.append(
                Check(
                    name: "transient-env", ok: !declared.isEmpty && refs.count == declared.count,
                    detail:
                        "\(declared.joined(separator: ", ")) from the per-job Secret (runner job record; the Pod is no longer in the cluster)"
                ))
            checks.append(Check(name: "no-literal-credential", ok: nil, detail: "not checked: the Pod is no longer in the cluster"))
        }
        // The per-job Secret is owned by the Job.
        for (name, secret) in secrets.sorted(by: { $0.key < $1.key }) {
            let owners = (secret.lookup("metadata.ownerReferences")?.arrayValue ?? []).compactMap { owner -> String? in
                owner["kind"] == "Job" ? owner["name"]?.stringValue : nil
            }
            let owned = jobName.map { owners.contains($0) } ?? false
            checks.append(
                Check(
                    name: "secret-owner", ok: owned,
                    detail: owned
                        ? "Secret \(name) is owned by Job \(jobName ?? "")"
                        : "Secret \(name) is not owned by Job \(jobName ?? "?") (owners: \(owners.joined(separator: ",")))"))
        }
        // unidesk-ssh needs its UNIDESK_* names.
        let tools =
            (task?.lookup("runner.bundles")?.arrayValue ?? []).flatMap { $0["tools"]?.arrayValue ?? [] }.compactMap(\.stringValue)
            + (job?["bundles"]?.arrayValue ?? []).flatMap { $0["tools"]?.arrayValue ?? [] }.compactMap(\.stringValue)
            + (task?.lookup("runner.toolCredentials")?.arrayValue ?? []).compactMap(\.stringValue)
        if tools.contains(where: { $0 == "unidesk-ssh" || $0.hasSuffix("/unidesk-ssh") }) {
            let present = (declared + envNames).contains { Self.unideskNames.contains($0) }
            checks.append(
                Check(
                    name: "unidesk-ssh", ok: present,
                    detail: present
                        ? "the unidesk-ssh tool has its UNIDESK_* env"
                        : "the task asked for unidesk-ssh but none of \(Self.unideskNames.joined(separator: ", ")) was injected"))
        }
        return checks
    }

    static func output(
        _ options: Options, job: Value?, pod: Value?, podName: String?, namespace: String, env: [Value], secrets: [String: Value],
        checks: [Check]
    ) -> CommandOutput {
        let failed = checks.filter { $0.ok == false }
        let secretValues: [Value] = secrets.sorted { $0.key < $1.key }.map { name, secret in
            .object([
                "name": .string(name), "uid": .optional(secret.lookup("metadata.uid")?.stringValue),
                "owners": .array(
                    (secret.lookup("metadata.ownerReferences")?.arrayValue ?? []).map {
                        .string("\($0["kind"]?.stringValue ?? "?")/\($0["name"]?.stringValue ?? "?")")
                    }),
                "keys": .array((secret["data"]?.objectValue?.keys ?? []).map(Value.string)),
            ])
        }
        let value = Value.object([
            "apiVersion": "ars/v1", "kind": "RunnerEnv", "lane": .string(options.lane.qualifiedName),
            "target": .string(describe(options.target)), "runnerJobId": .optional(job?["id"]?.stringValue),
            "jobName": .optional(job?["jobName"]?.stringValue), "pod": .optional(podName), "namespace": .string(namespace),
            "podInCluster": .bool(pod != nil), "envNames": .array(env.compactMap { $0["name"] }),
            "transientEnv": .array(
                (job?["transientEnv"]?.arrayValue ?? []).map {
                    .object(["name": $0["name"] ?? .null, "secretRef": $0["secretRef"] ?? .null])
                }),
            "secrets": .array(secretValues), "checks": .array(checks.map(\.value)),
            "verdict": .string(failed.isEmpty ? "ok" : "agentrun-assembly"),
            "owner": failed.isEmpty ? .null : "AgentRun runner assembly", "valuesPrinted": false,
        ])
        var blocks: [HumanBlock] = [
            .summary(
                "\(describe(options.target))\(podName.map { " (pod \($0)\(pod == nil ? ", not in the cluster" : ""))" } ?? ""): "
                    + (failed.isEmpty
                        ? "runner env wired as required" : "\(failed.count) check(s) failed — owner: AgentRun runner assembly")),
            .table(
                Table(
                    columns: [.init("CHECK"), .init(""), .init("DETAIL")],
                    rows: checks.map { [$0.name, $0.ok.map { $0 ? "✓" : "✗" } ?? "?", $0.detail] })),
        ]
        if !secretValues.isEmpty {
            blocks.append(
                .fields(
                    secretValues.map { secret in
                        (
                            "Secret \(secret["name"]?.stringValue ?? "")",
                            "uid \(secret["uid"]?.stringValue ?? "?"); owner \(secret["owners"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? ""); keys \(secret["keys"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? "")"
                        )
                    }))
        }
        blocks.append(.text("valuesPrinted=false"))
        return CommandOutput(value, human: blocks, status: failed.isEmpty ? 0 : 1)
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
