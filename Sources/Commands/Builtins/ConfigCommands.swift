import FoundationEssentials

// MARK: - config view

/// `config view`: which catalogue is in use and the lanes it declares.
struct ConfigViewCommand: Command {
    let signature = CommandSignature(
        "config view", summary: "Show the lane catalogue in use",
        discussion:
            "Searched in order: --config, $ARS_CONFIG, ./config/agentrun.yaml (only once trusted with 'config trust'), $XDG_CONFIG_HOME/ars/agentrun.yaml. '-o yaml' and '-o json' print the whole catalogue."
    )

    func run(_ options: NoOptions, in session: Session) async throws -> CommandOutput {
        let config = try session.config()
        let value = try YAML.decode(config.text)
        let catalog = config.catalog
        let rows = catalog.nodes.flatMap { node in
            node.lanes.map { lane in
                [node.name, lane.name, node.bridge.kind.rawValue, lane.namespace, lane.restBaseURL, lane.yamlOnly ? "yaml-only" : ""]
            }
        }
        return CommandOutput(
            value,
            human: [
                .summary(
                    "\(config.path) (\(config.source)): \(catalog.nodes.count) nodes, \(rows.count) lanes; default \(catalog.defaultNode)/\(catalog.defaultLane)"
                ),
                .table(
                    Table(
                        columns: [
                            .init("node"), .init("lane"), .init("bridge"), .init("namespace"), .init("rest base url"), .init("kind"),
                        ], rows: rows)),
                .next(["config validate", "use lane LANE --node NODE"]),
            ])
    }
}

// MARK: - config validate

/// `config validate [FILE]`: every problem in a catalogue, at line:column.
struct ConfigValidateCommand: Command {
    let signature = CommandSignature(
        "config validate", summary: "Check a lane catalogue and report every problem at line:column",
        positionals: [Positional("file", "Catalogue to check (default: the one in use)", kind: .file, optional: true)],
        examples: [Example("config validate config/agentrun.yaml", "Check a catalogue before committing it")])

    /// The catalogue to check: its path, and the name problems are reported under.
    struct Options: Sendable {
        let path: String
        let shown: String
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        if let file = invocation.argument("file") {
            return Options(path: file.hasPrefix("/") ? file : session.currentDirectory + "/" + file, shown: file)
        }
        let path = try ConfigLoader.locate(
            explicit: session.configOverride, environment: session.environment, currentDirectory: session.currentDirectory
        ).path
        return Options(path: path, shown: path)
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let path = options.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ArsError.invalidInput(.configUnreadable, "cannot read \(path)", hint: "check that the file exists and is readable")
        }
        let problems = ConfigValidator(
            file: options.shown, text: String(decoding: data, as: UTF8.self), environment: session.environment
        ).validate()
        let value = Value.object([
            "path": .string(path),
            "valid": .bool(problems.isEmpty),
            "problems": .array(
                problems.map { problem in
                    .object([
                        "line": .int(problem.location?.line ?? 0), "column": .int(problem.location?.column ?? 0),
                        "code": .string(problem.code.rawValue), "message": .string(problem.message), "hint": .optional(problem.hint),
                    ])
                }),
        ])
        if problems.isEmpty {
            return CommandOutput(value, human: [.summary("\(path): valid")])
        }
        let report = String(problems.map { ErrorReport.render($0) }.joined().dropLast())
        return CommandOutput(
            value, human: [.text(report), .summary("\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(path)")],
            status: ArsError.invalidInput(.configType, "").exitCode)
    }
}

// MARK: - config trust

/// `config trust [FILE]`: lets ars use a catalogue it found in the working folder.
struct ConfigTrustCommand: Command {
    let signature = CommandSignature(
        "config trust", summary: "Trust a catalogue found in this folder (./config/agentrun.yaml) after reading it",
        discussion:
            "A catalogue chooses which API key ars sends, to which hosts, and which programs run as node bridges, so one that ars merely finds in the working folder (a repository you cloned) is ignored until you trust its content. This records the file's path and SHA-256 in $XDG_STATE_HOME/ars/trusted-catalogues; a changed file needs trust again. Catalogues you name with --config or $ARS_CONFIG, or keep in $XDG_CONFIG_HOME/ars/, need no trust. A catalogue with problems (see 'config validate') cannot be trusted.",
        positionals: [Positional("file", "Catalogue to trust (default: ./config/agentrun.yaml)", kind: .file, optional: true)],
        examples: [Example("config trust", "Use this checkout's config/agentrun.yaml from now on, until it changes")])

    /// The file as given, and its absolute path.
    func resolve(_ invocation: Invocation, in session: Session) throws -> (given: String, path: String) {
        let given = invocation.argument("file") ?? "config/agentrun.yaml"
        return (given, given.hasPrefix("/") ? given : session.currentDirectory + "/" + given)
    }

    func run(_ file: (given: String, path: String), in session: Session) async throws -> CommandOutput {
        let (given, path) = file
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ArsError.invalidInput(
                .configUnreadable, "cannot read \(given)", hint: "run it in the folder that holds config/agentrun.yaml, or name the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        let problems = ConfigValidator(file: given, text: text, environment: session.environment).validate()
        if var first = problems.first {
            first.hint = "a catalogue with problems cannot be trusted; \(problems.count) problem(s): run 'ars config validate \(given)'"
            throw first
        }
        try CatalogueTrust(environment: session.environment).trust(path: path, text: text)
        let catalog = LaneCatalog(validated: (try? YAML.decode(text)) ?? .null)
        let digest = CatalogueTrust.digest(text)
        let lanes = catalog.nodes.flatMap { node in node.lanes.map { ($0.qualifiedName, $0.restBaseURL) } }
        let bridges = catalog.nodes.map { node in
            (node.name, node.bridge.kind.rawValue + " via " + node.bridge.command + (node.bridge.host.map { " to \($0)" } ?? ""))
        }
        let key = "$\(catalog.auth.apiKeyEnv)" + (catalog.auth.apiKeyFile.map { ", else the file \($0)" } ?? "")
        let value = Value.object([
            "path": .string(CatalogueTrust.canonical(path)), "sha256": .string(digest), "trusted": true,
            "apiKey": .string(key),
            "lanes": .object(Object(lanes.map { ($0.0, Value.string($0.1)) })),
            "bridges": .object(Object(bridges.map { ($0.0, Value.string($0.1)) })),
        ])
        return CommandOutput(
            value,
            human: [
                .summary("trusted \(given) (sha256 \(digest.prefix(12))…): ars uses it in this folder until the file changes"),
                .fields([("API key from", key)] + lanes.map { ("lane \($0.0)", $0.1) } + bridges.map { ("node \($0.0)", $0.1) }),
                .next(["config view", "context"]),
            ])
    }
}
