import Commands
import FoundationEssentials

/// `control-plane expose`: a YAML-only lane's public HTTPS entry on its edge node — the upstream's
/// port in the edge's allow-list and a Caddy site for the lane's host — and nothing in the lane's
/// cluster.
struct ExposeCommand: Command {
    let signature = CommandSignature(
        "control-plane expose", summary: "Add a YAML-only lane's allow-listed port and Caddy site on its edge node",
        discussion: """
            On the edge node the lane's expose names (through that node's bridge): adds the upstream's port to the allow-list file when it is missing, and writes the Caddy site <sitesDir>/<host>.caddy reverse-proxying the lane's public host to the upstream. The Caddyfile is checked with caddy validate before Caddy reloads it (caddy reload --address <caddyAdmin>); a site Caddy rejects is taken back and nothing else changes. Refused when the lane's cluster would carry the exposure instead — an upstream in the NodePort range or one a NodePort/LoadBalancer Service serves, an Ingress, a hostPort: a lane is exposed only at the edge. After --confirm it asks the public URL's /api/v1/healthz.
            """,
        options: [.node, .lane] + WriteGate.options,
        examples: [
            Example("control-plane expose --node D601 --lane v02 --dry-run", "The site file, the allow-list entry and the plan"),
            Example("control-plane expose --node D601 --lane v02 --confirm", "Write them and reload Caddy"),
        ],
        lanes: .yamlOnly)

    struct Options: LaneScoped {
        let gated: GatedYAMLLane
        let exposure: YAMLLaneFacts.Exposure
        let edge: NodeSettings
        var lane: LaneSettings { gated.lane }
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        let gated = try GatedYAMLLane.resolve(invocation, in: session)
        let exposure = try gated.facts.requireExposure()
        let catalog = try session.config().catalog
        guard let edge = catalog.node(exposure.edgeNode) else {
            throw ArsError.usage(
                .unknownNode, "expose.edgeNode '\(exposure.edgeNode)' of lane \(gated.lane.qualifiedName) is not a node of the catalogue",
                hint: Suggestions.hint(for: exposure.edgeNode, in: catalog.nodes.map(\.name))
                    ?? "declare the edge node and its bridge under nodes")
        }
        if (30000...32767).contains(exposure.upstream.port) {
            throw ArsError(
                .refused, code: .forbiddenExposure,
                "expose.upstream \(exposure.upstream) is in the NodePort range: \(ExposureGuard.rule)",
                hint: "point the edge at the lane's FRP port instead; nothing was changed")
        }
        return Options(gated: gated, exposure: exposure, edge: edge)
    }

    /// The site file's text. `tls internal` only when the lane asks for Caddy's own CA.
    static func site(_ exposure: YAMLLaneFacts.Exposure, lane: LaneSettings) -> String {
        var lines = [
            "# Managed by ars control-plane expose for lane \(lane.qualifiedName), from the UniDesk lane catalogue; do not edit by hand.",
            "\(exposure.host):\(exposure.httpsPort) {",
        ]
        if exposure.internalTLS { lines.append("\ttls internal") }
        lines += ["\treverse_proxy \(exposure.upstream)", "}", ""]
        return lines.joined(separator: "\n")
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let (facts, mode, exposure) = (options.gated.facts, options.gated.mode, options.exposure)
        let edge = NodeClient(session: session, node: options.edge)
        let laneNode = try facts.node(in: session)
        let q = ShellQuote.quote
        let read = "cat \(q(exposure.allowPortsFile)) 2>/dev/null; echo '--- ars'; cat \(q(exposure.siteFile)) 2>/dev/null; true"
        async let edgeState = edge.script(read, in: "/")
        async let services = laneNode.kubectlList(["-n", facts.lane.namespace, "get", "services"])
        async let ingresses = laneNode.kubectlList(["-n", facts.lane.namespace, "get", "ingresses.networking.k8s.io"])
        let state = try await edgeState
        guard state.succeeded, let split = state.stdoutText.firstRange(of: "--- ars\n") else {
            throw edge.failure(.script(read, in: "/"), state)
        }
        let allowed = state.stdoutText[..<split.lowerBound].split(separator: "\n").map { $0.trimmingSpaces() }
        let currentSite = String(state.stdoutText[split.upperBound...])
        let site = Self.site(exposure, lane: facts.lane)
        let port = String(exposure.upstream.port)

        // The lane's cluster must not already carry the exposure.
        // A cluster that does not serve the Ingress API has no Ingress.
        let found = ExposureGuard.violations(in: try await services + ((try? await ingresses) ?? []))
        guard found.isEmpty else {
            throw ArsError(
                .refused, code: .forbiddenExposure,
                "lane \(facts.lane.qualifiedName)'s cluster carries \(found.joined(separator: ", ")): \(ExposureGuard.rule)",
                hint: "remove it through the lane's GitOps desired state (control-plane plan shows it); nothing was changed on the edge")
        }

        var actions: [String] = []
        if !allowed.contains(port) { actions.append("add port \(port) to \(exposure.edgeNode):\(exposure.allowPortsFile)") }
        if currentSite != site {
            actions.append(
                "\(currentSite.isEmpty ? "write" : "rewrite") Caddy site \(exposure.edgeNode):\(exposure.siteFile) (\(exposure.publicURL) → \(exposure.upstream))"
            )
            actions.append("caddy validate, then caddy reload --address \(exposure.caddyAdmin)")
        }
        let command = "control-plane expose \(facts.laneFlags)"
        let planID = WriteGate.planID(
            observed: ["allow=\(allowed.contains(port))", "site=\(SHA256.hex(currentSite))"], decided: [port, SHA256.hex(site)])
        try WriteGate.check(mode, planID: planID, command: command)
        var plan = PlanReport(command: command, lane: facts.lane, mode: mode, planID: planID, actions: actions)
        plan.details = [
            ("edgeNode", .string(exposure.edgeNode)), ("publicUrl", .string(exposure.publicURL)),
            ("upstream", .string(exposure.upstream.description)),
            ("siteFile", .string(exposure.siteFile)), ("site", .string(site)), ("allowListed", .bool(allowed.contains(port))),
        ]

        var done: [String] = []
        var health: Value = .null
        if mode != .dryRun && !actions.isEmpty {
            let script = Self.writeScript(exposure, site: site, addPort: !allowed.contains(port), writeSite: currentSite != site)
            let result = try await edge.script(script, in: "/")
            guard result.succeeded else {
                if result.exitStatus == 65 {
                    // Caddy logs JSON lines first; its verdict is the line that starts with `Error:`.
                    let said =
                        result.stderrText.split(separator: "\n").last { $0.hasPrefix("Error:") }.map(String.init)
                        ?? NodeExchange.tail(result.stderrText, lines: 2)
                    throw ArsError(
                        .refused, code: .caddyInvalid,
                        "caddy validate rejected the Caddyfile with the new site; the site was taken back and nothing changed: \(said)",
                        hint: "check expose.host and expose.upstream of lane \(facts.lane.qualifiedName)")
                }
                throw edge.failure(.script(script, in: "/"), result)
            }
            done = result.stdoutText.split(separator: "\n").map(String.init)
        }
        if mode != .dryRun {
            health = await Self.probe(exposure, session: session)
            plan.details.append(("health", health))
        }
        let blocks: [HumanBlock] = [
            .summary(
                actions.isEmpty
                    ? "\(facts.lane.qualifiedName): \(exposure.publicURL) is already exposed on \(exposure.edgeNode)"
                    : plan.isDryRun
                        ? "\(facts.lane.qualifiedName): would expose \(exposure.publicURL) on \(exposure.edgeNode) → \(exposure.upstream)"
                        : "\(facts.lane.qualifiedName): \(exposure.publicURL) exposed on \(exposure.edgeNode) → \(exposure.upstream)"),
            .text(
                ((plan.isDryRun ? actions : done).map { "• " + $0 } + (plan.isDryRun && currentSite != site ? ["", site] : [])).joined(
                    separator: "\n")),
            .fields(
                [("plan", planID)] + (health.isNull ? [] : [("health", health["status"]?.plainText ?? health["error"]?.plainText ?? "")])),
            .next(plan.isDryRun && !actions.isEmpty ? [plan.confirm] : ["control-plane status \(facts.laneFlags)"]),
        ]
        return CommandOutput(plan.value(done: done), human: blocks)
    }

    /// On the edge: the new site beside the old one, `caddy validate`, and only then the allow-list
    /// entry and `caddy reload`. Exit 65: Caddy rejected the site, which was taken back.
    static func writeScript(_ exposure: YAMLLaneFacts.Exposure, site: String, addPort: Bool, writeSite: Bool) -> String {
        let q = ShellQuote.quote
        let file = q(exposure.siteFile)
        let caddy = "--config \(q(exposure.caddyfile)) --adapter caddyfile"
        // Caddy's embedded smallstep library creates ~/.step on every run: keep it in a scratch folder.
        var lines = [
            "set -u", #"step=$(mktemp -d "${TMPDIR:-/tmp}/ars-step.XXXXXX") || exit 70"#, #"export STEPPATH="$step""#,
            #"trap 'rm -rf "$step"' EXIT"#,
        ]
        if writeSite {
            var delimiter = "ARS_SITE_END"
            while site.contains(delimiter) { delimiter += "_" }
            lines += [
                "backup=",
                "if [ -f \(file) ]; then backup=$(mktemp \(q(exposure.siteFile + ".ars-old.XXXXXX"))) && cp -p \(file) \"$backup\" || exit 70; fi",
                "cat > \(file) <<'\(delimiter)' || exit 70", site + delimiter,
                "if ! caddy validate \(caddy) >/dev/null 2>\"${TMPDIR:-/tmp}/ars-caddy.$$\"; then",
                "  cat \"${TMPDIR:-/tmp}/ars-caddy.$$\" >&2; rm -f \"${TMPDIR:-/tmp}/ars-caddy.$$\"",
                "  if [ -n \"$backup\" ]; then mv -f \"$backup\" \(file); else rm -f \(file); fi",
                "  exit 65", "fi", "rm -f \"${TMPDIR:-/tmp}/ars-caddy.$$\"", #"[ -z "$backup" ] || rm -f "$backup""#,
                "echo \(q("wrote Caddy site " + exposure.siteFile))",
            ]
        }
        if addPort {
            let port = String(exposure.upstream.port)
            lines += [
                "grep -qx \(q(port)) \(q(exposure.allowPortsFile)) 2>/dev/null || printf '%s\\n' \(q(port)) >> \(q(exposure.allowPortsFile)) || exit 70",
                "echo \(q("allow-listed port \(port) in " + exposure.allowPortsFile))",
            ]
        }
        if writeSite {
            lines += [
                "caddy reload \(caddy) --address \(q(exposure.caddyAdmin)) >/dev/null 2>&1 || { echo 'caddy reload failed' >&2; exit 71; }",
                "echo \(q("reloaded Caddy at " + exposure.caddyAdmin))",
            ]
        }
        return lines.joined(separator: "\n")
    }

    /// `GET <publicURL>/api/v1/healthz` from here: the status, or what went wrong.
    static func probe(_ exposure: YAMLLaneFacts.Exposure, session: Session) async -> Value {
        let request = HTTPRequest(
            url: exposure.publicURL + "/api/v1/healthz", timeout: 10, caFile: exposure.caFile.map(session.expandingTilde))
        do {
            let response = try await session.http.send(request)
            return ["url": .string(request.url), "status": .int(response.status)]
        } catch let error as ArsError {
            return ["url": .string(request.url), "error": .string(error.message)]
        } catch {
            return ["url": .string(request.url), "error": .string(String(describing: error))]
        }
    }
}
