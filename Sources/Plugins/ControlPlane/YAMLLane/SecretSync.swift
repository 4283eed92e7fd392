import Commands
import FoundationEssentials
import Glibc

/// A Secret's values as `platform-db postgres export-secrets` materialised them in a local file
/// (`KEY=value` lines). Loading refuses a file that is missing, unreadable or readable by anyone
/// but its owner, and registers every value as a secret of the session, so no output, history,
/// evidence or recording can show it. Parse errors name file:line:col, never the line's text.
struct SecretMaterial: Sendable {
    let source: YAMLLaneFacts.SecretSource
    let path: String
    /// The declared keys' values, in the catalogue's order.
    let values: [(key: String, value: String)]
    /// Keys in the file the catalogue does not declare: not synced.
    let undeclared: [String]

    static func load(_ source: YAMLLaneFacts.SecretSource, session: Session) throws(ArsError) -> SecretMaterial {
        let path = session.expandingTilde(source.sourceFile)
        let remedy = "materialise it with platform-db postgres export-secrets --confirm, then run secret-sync again; nothing was changed"
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ArsError(
                .invalidInput, code: .secretSource,
                "the Secret source file of \(source.name), \(source.sourceFile), \(errno == ENOENT ? "does not exist" : "cannot be read: " + String(cString: strerror(errno)))",
                hint: remedy)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ArsError(
                .invalidInput, code: .secretSource, "the Secret source file of \(source.name), \(source.sourceFile), is not a regular file",
                hint: remedy)
        }
        let mode = Int(info.st_mode & 0o777)
        guard mode & 0o077 == 0 else {
            throw ArsError(
                .refused, code: .secretSource,
                "the Secret source file of \(source.name), \(source.sourceFile), is readable by group or others (mode \(String(mode, radix: 8))): its values may already have leaked",
                hint:
                    "run: chmod 600 \(ShellQuote.quote(source.sourceFile)) — and rotate the values if others could read them; nothing was changed"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ArsError(
                .invalidInput, code: .secretSource, "the Secret source file of \(source.name), \(source.sourceFile), cannot be read",
                hint: remedy)
        }
        let entries = try parse(String(decoding: data, as: UTF8.self), file: source.sourceFile)
        for entry in entries where !entry.value.isEmpty { registerSecret(entry.value, in: session) }
        var values: [(String, String)] = []
        var missing: [String] = []
        for key in source.keys {
            if let entry = entries.first(where: { $0.key == key }) { values.append((key, entry.value)) } else { missing.append(key) }
        }
        guard missing.isEmpty else {
            throw ArsError(
                .invalidInput, code: .secretSource,
                "\(source.sourceFile) lacks \(missing.joined(separator: ", ")), declared for Secret \(source.name) in the catalogue",
                hint:
                    "export the Secret again (platform-db postgres export-secrets --confirm), or fix the keys of \(source.name); nothing was changed"
            )
        }
        return SecretMaterial(
            source: source, path: path, values: values, undeclared: entries.map(\.key).filter { !source.keys.contains($0) })
    }

    /// A value as ars would otherwise show it anywhere: itself, and the base64 a Secret's `data`
    /// (in a manifest on stdin, in kubectl's answer, in a recording) carries it as.
    static func registerSecret(_ value: String, in session: Session) {
        session.registerSecret(value)
        session.registerSecret(Data(value.utf8).base64EncodedString())
    }

    /// `KEY=value`, `export KEY=value`, `KEY="value"` (`\"`, `\\`, `\n` escapes) and
    /// `KEY='value'`; blank lines and `#` comments are skipped.
    static func parse(_ text: String, file: String) throws(ArsError) -> [(key: String, value: String)] {
        var entries: [(key: String, value: String)] = []
        // `\r\n` is one Character: splitting on newlines takes CRLF files as they are.
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var line = rawLine
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count
            line = line.dropFirst(indent)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var column = indent + 1
            if line.hasPrefix("export ") {
                line = line.dropFirst(7)
                column += 7
            }
            func fail(_ what: String, at offset: Int) -> ArsError {
                ArsError(
                    .invalidInput, code: .secretSource, "\(file):\(number + 1):\(offset): \(what)",
                    hint: "each line is KEY=value (the line is not shown: it may hold a secret); nothing was changed")
            }
            guard let equals = line.firstIndex(of: "=") else { throw fail("expected KEY=value", at: column) }
            let key = String(line[..<equals])
            guard let first = key.first, first == "_" || first.isLetter,
                key.allSatisfy({ $0 == "_" || $0 == "." || $0 == "-" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
            else { throw fail("'\(key.prefix(40))' is not a key (letters, digits, '_', '.', '-')", at: column) }
            var value = line[line.index(after: equals)...]
            let valueColumn = column + key.count + 1
            if let quote = value.first, quote == "\"" || quote == "'" {
                guard value.count >= 2, value.last == quote else { throw fail("unterminated \(quote) quote", at: valueColumn) }
                value = value.dropFirst().dropLast()
                if quote == "\"" {
                    var unescaped = ""
                    var escaping = false
                    for character in value {
                        if escaping {
                            unescaped.append(character == "n" ? "\n" : character)
                            escaping = false
                        } else if character == "\\" {
                            escaping = true
                        } else {
                            unescaped.append(character)
                        }
                    }
                    value = Substring(unescaped)
                }
            }
            guard !entries.contains(where: { $0.key == key }) else { throw fail("\(key) is set twice", at: column) }
            entries.append((key, String(value)))
        }
        return entries
    }
}

/// `control-plane secret-sync`: the lane's Secrets from their local source files to its namespace,
/// with `kubectl apply -f -` through the node's bridge — the values on stdin only.
struct SecretSyncCommand: Command {
    let signature = CommandSignature(
        "control-plane secret-sync", summary: "Write a YAML-only lane's Secrets from their local source files (values never shown)",
        discussion: """
            For each Secret the lane declares (secrets: name, keys, sourceFile), reads the local source file that platform-db postgres export-secrets materialised — refused when it is missing, unreadable or readable by group or others — and compares each declared key with the cluster's Secret by SHA-256: added, changed or unchanged. The dry run shows Secret names, keys, a 12-digit SHA-256 per value and the plan id — never a value. --confirm writes the Secrets that differ with kubectl apply -f -, the manifest on stdin (never on a command line, never in a log or recording). The manager reads new values only when it restarts: the seed's order is secret-sync, then restart, then status.
            """,
        options: [.node, .lane] + WriteGate.options,
        examples: [
            Example("control-plane secret-sync --node D601 --lane v02 --dry-run", "Which keys would change (hashes only)"),
            Example("control-plane secret-sync --node D601 --lane v02 --confirm", "Write them"),
        ],
        lanes: .yamlOnly)

    func resolve(_ invocation: Invocation, in session: Session) throws -> GatedYAMLLane {
        let gated = try GatedYAMLLane.resolve(invocation, in: session)
        guard !gated.facts.secrets.isEmpty else {
            throw ArsError.usage(
                .laneKeyMissing, "YAML-only lane \(gated.facts.lane.qualifiedName) declares no secrets",
                hint: "add secrets (name, keys, sourceFile) to the lane (docs/config.md)")
        }
        return gated
    }

    /// A value's fingerprint: the first 12 hex digits of its SHA-256.
    static func fingerprint(_ value: String) -> String { "sha256:" + String(SHA256.hex(value).prefix(12)) }

    func run(_ options: GatedYAMLLane, in session: Session) async throws -> CommandOutput {
        let (facts, mode) = (options.facts, options.mode)
        let materials = try facts.secrets.map { source throws(ArsError) in try SecretMaterial.load(source, session: session) }
        let node = try facts.node(in: session)
        let namespace = facts.lane.namespace
        var live: [Value?] = []
        for material in materials {
            live.append(try await node.kubectlJSON(["-n", namespace, "get", "secret", material.source.name]))
        }

        var observed: [String] = []
        var decided: [String] = []
        var secretValues: [Value] = []
        var actions: [String] = []
        var lines: [String] = []
        var writes: [(SecretMaterial, Value)] = []
        for (material, current) in zip(materials, live) {
            let name = material.source.name
            observed.append(
                current.map { "\(name) uid=\(KubeObject(value: $0).uid) rv=\($0.lookup("metadata.resourceVersion")?.stringValue ?? "")" }
                    ?? "\(name)@none")
            let liveData = current?["data"]?.objectValue ?? Object()
            // The cluster's values are as secret as the file's (kubectl's answer is kept for --full and recordings).
            for (_, encoded) in liveData {
                guard let text = encoded.stringValue else { continue }
                session.registerSecret(text)
                if let decoded = Data(base64Encoded: text) { session.registerSecret(String(decoding: decoded, as: UTF8.self)) }
            }
            var keys: [Value] = []
            var changed = 0
            for (key, value) in material.values {
                let liveValue = liveData[key]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
                let change = liveValue == nil ? "added" : liveValue == value ? "unchanged" : "changed"
                if change != "unchanged" { changed += 1 }
                decided.append("\(name).\(key)=\(SHA256.hex(value))")
                keys.append(["key": .string(key), "sha256": .string(Self.fingerprint(value)), "change": .string(change)])
                lines.append("  \(key)  \(Self.fingerprint(value))  \(change)")
            }
            let kept = liveData.keys.filter { key in !material.values.contains { $0.key == key } }
            let action = current == nil ? "create" : changed > 0 ? "update" : "unchanged"
            lines.insert("\(namespace)/\(name) — \(action) (from \(material.source.sourceFile))", at: lines.count - material.values.count)
            if !kept.isEmpty { lines.append("  kept as they are (not declared): \(kept.joined(separator: ", "))") }
            if !material.undeclared.isEmpty {
                lines.append("  in the file but not declared, not synced: \(material.undeclared.joined(separator: ", "))")
            }
            if action != "unchanged" {
                actions.append("kubectl apply Secret \(namespace)/\(name) (\(action): \(changed) key(s))")
                writes.append((material, Self.manifest(material, namespace: namespace)))
            }
            secretValues.append([
                "name": .string(name), "namespace": .string(namespace), "sourceFile": .string(material.source.sourceFile),
                "action": .string(action), "keys": .array(keys), "keptKeys": .array(kept.map(Value.string)),
                "undeclaredKeys": .array(material.undeclared.map(Value.string)),
            ])
        }
        let command = "control-plane secret-sync \(facts.laneFlags)"
        let planID = WriteGate.planID(observed: observed, decided: decided)
        try WriteGate.check(mode, planID: planID, command: command)
        var plan = PlanReport(command: command, lane: facts.lane, mode: mode, planID: planID, actions: actions)
        plan.details = [("secrets", .array(secretValues)), ("valuesPrinted", .bool(false))]

        var done: [String] = []
        if mode != .dryRun {
            for (material, manifest) in writes {
                try await node.kubectlWrite(["apply", "-f", "-"], stdin: Data(JSON.encode(manifest).utf8))
                done.append("applied Secret \(namespace)/\(material.source.name)")
            }
        }
        let restart = "control-plane restart \(facts.laneFlags) --dry-run"
        let blocks: [HumanBlock] = [
            .summary(
                writes.isEmpty
                    ? "\(facts.lane.qualifiedName): the Secrets match their source files; nothing to write"
                    : plan.isDryRun
                        ? "\(facts.lane.qualifiedName): would write \(writes.count) Secret(s); values are never shown"
                        : "\(facts.lane.qualifiedName): wrote \(writes.count) Secret(s); the manager reads them after a restart"),
            .text(lines.joined(separator: "\n")),
            .fields([("plan", planID), ("values printed", "no")]),
            .next(plan.isDryRun && !writes.isEmpty ? [plan.confirm] : [restart]),
        ]
        return CommandOutput(plan.value(done: done), human: blocks)
    }

    static func manifest(_ material: SecretMaterial, namespace: String) -> Value {
        var data = Object()
        for (key, value) in material.values { data[key] = .string(Data(value.utf8).base64EncodedString()) }
        return [
            "apiVersion": "v1", "kind": "Secret",
            "metadata": [
                "name": .string(material.source.name), "namespace": .string(namespace),
                "labels": ["app.kubernetes.io/managed-by": .string(DesiredState.managedBy)],
                "annotations": ["ars.agentrun.dev/synced-by": "control-plane secret-sync"],
            ],
            "type": "Opaque", "data": .object(data),
        ]
    }
}
