import Foundation

// MARK: - config view

/// `config view`: which catalogue is in use and the lanes it declares.
struct ConfigViewCommand: Command {
    let signature = CommandSignature(
        "config view", summary: "Show the lane catalogue in use",
        discussion: "Searched in order: --config, $ARS_CONFIG, ./config/agentrun.yaml, $XDG_CONFIG_HOME/ars/agentrun.yaml. '-o yaml' and '-o json' print the whole catalogue.")

    func run(_ invocation: Invocation, in session: Session) async throws -> CommandOutput {
        let config = try session.config()
        let value = try YAML.decode(config.text)
        let catalog = config.catalog
        let rows = catalog.nodes.flatMap { node in
            node.lanes.map { lane in
                [node.name, lane.name, node.bridge.kind.rawValue, lane.namespace, lane.restBaseURL, lane.yamlOnly ? "yaml-only" : ""]
            }
        }
        return CommandOutput(value, human: [
            .summary("\(config.path) (\(config.source)): \(catalog.nodes.count) nodes, \(rows.count) lanes; default \(catalog.defaultNode)/\(catalog.defaultLane)"),
            .table(Table(columns: [.init("node"), .init("lane"), .init("bridge"), .init("namespace"), .init("rest base url"), .init("kind")], rows: rows)),
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

    func run(_ invocation: Invocation, in session: Session) async throws -> CommandOutput {
        let path: String
        if let file = invocation.argument("file") {
            path = file.hasPrefix("/") ? file : session.currentDirectory + "/" + file
        } else {
            path = try ConfigLoader.locate(explicit: session.configOverride, environment: session.environment, currentDirectory: session.currentDirectory).path
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ArsError.invalidInput("config-unreadable", "cannot read \(path)", hint: "check that the file exists and is readable")
        }
        let problems = ConfigValidator(file: invocation.argument("file") ?? path, text: String(decoding: data, as: UTF8.self)).validate()
        let value = Value.object([
            "path": .string(path),
            "valid": .bool(problems.isEmpty),
            "problems": .array(problems.map { problem in
                .object([
                    "line": .int(problem.location?.line ?? 0), "column": .int(problem.location?.column ?? 0),
                    "code": .string(problem.code), "message": .string(problem.message), "hint": .optional(problem.hint),
                ])
            }),
        ])
        if problems.isEmpty {
            return CommandOutput(value, human: [.summary("\(path): valid")])
        }
        let report = String(problems.map { ErrorReport.render($0) }.joined().dropLast())
        return CommandOutput(
            value, human: [.text(report), .summary("\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(path)")],
            status: ArsError.invalidInput("", "").exitCode)
    }
}
