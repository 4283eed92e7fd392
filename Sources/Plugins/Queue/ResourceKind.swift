import Commands

/// The queue's resource kinds, with the spellings operators type.
enum ResourceKind: String, CaseIterable, Sendable {
    case task, run, session, command, runnerjob

    /// `tasks`, `runnerjobs`: the REST collection.
    var collection: String { rawValue + "s" }
    /// `Task`, `RunnerJob`: the `kind` in `-o json|yaml` output.
    var schemaKind: String {
        switch self {
        case .runnerjob: "RunnerJob"
        default: rawValue.prefix(1).uppercased() + rawValue.dropFirst()
        }
    }
    /// The id prefix the server uses (`t-42`), so a bare id names its kind.
    var idPrefix: String {
        switch self {
        case .task: "t-"
        case .run: "r-"
        case .session: "s-"
        case .command: "c-"
        case .runnerjob: "rj-"
        }
    }

    /// Accepts `task`, `tasks`, `runnerjob`, `runner-job`, `rj`, … case-insensitively.
    init?(word: String) {
        let word = word.lowercased()
        let aliases: [String: ResourceKind] = [
            "t": .task, "r": .run, "s": .session, "sess": .session, "c": .command, "cmd": .command,
            "rj": .runnerjob, "runner-job": .runnerjob, "runner-jobs": .runnerjob,
        ]
        if let kind = ResourceKind(rawValue: word) ?? ResourceKind.allCases.first(where: { $0.collection == word }) ?? aliases[word] {
            self = kind
        } else {
            return nil
        }
    }

    /// The prefix of the id shape a real AgentRun server mints (`run_` + 32 hex digits); the
    /// runner job's shape is `<namespace>-runner-` + 12 hex digits instead (see `inferred`).
    var serverIDPrefix: String? {
        switch self {
        case .task: "task_"
        case .run: "run_"
        case .session: "sess_"
        case .command: "cmd_"
        case .runnerjob: nil
        }
    }

    /// The kind a bare id names, in either style: the server's (`run_f92de79e…`,
    /// `agentrun-v01-runner-3f9a0c1d2e4b`) or the short one (`r-1`).
    static func inferred(fromID id: String) -> ResourceKind? {
        if let kind = allCases.first(where: { $0.serverIDPrefix.map(id.hasPrefix) == true && id.count > $0.serverIDPrefix!.count }) {
            return kind
        }
        if let marker = id.ranges(of: "-runner-").last, id[id.startIndex..<marker.lowerBound].count > 0 {
            let suffix = id[marker.upperBound...]
            if !suffix.isEmpty && suffix.allSatisfy(\.isHexDigit) { return .runnerjob }
        }
        return allCases.sorted { $0.idPrefix.count > $1.idPrefix.count }.first { id.hasPrefix($0.idPrefix) }
    }

    static var words: [String] { allCases.map(\.rawValue) + allCases.map(\.collection) }
}

/// What a command line names: a kind, and maybe one id (`task/t-42`, `task t-42`, `t-42`, `tasks`).
struct ResourceReference: Sendable, Equatable {
    var kind: ResourceKind
    var id: String?

    /// Parses the first positional (and an optional second one holding the id).
    static func parse(_ first: String, _ second: String?, allowed: Set<ResourceKind> = Set(ResourceKind.allCases)) throws(ArsError)
        -> ResourceReference
    {
        let reference: ResourceReference
        if let slash = first.firstIndex(of: "/") {
            let kindWord = String(first[..<slash])
            let id = String(first[first.index(after: slash)...])
            guard let kind = ResourceKind(word: kindWord) else { throw unknownKind(kindWord) }
            guard !id.isEmpty else {
                throw ArsError.usage(
                    .missingId, "'\(first)' names no id", hint: "write \(kind.rawValue)/ID, e.g. \(kind.rawValue)/\(kind.idPrefix)42")
            }
            guard second == nil else {
                throw ArsError.usage(
                    .extraArgument, "unexpected argument '\(second!)' after '\(first)'", hint: "give either KIND/ID or KIND ID")
            }
            reference = ResourceReference(kind: kind, id: id)
        } else if let kind = ResourceKind(word: first) {
            reference = ResourceReference(kind: kind, id: second)
        } else if second == nil, let kind = ResourceKind.inferred(fromID: first) {
            reference = ResourceReference(kind: kind, id: first)
        } else {
            throw unknownKind(first)
        }
        if let id = reference.id { try Identifier.check(id, "\(reference.kind.rawValue) id") }
        guard allowed.contains(reference.kind) else {
            let names = ResourceKind.allCases.filter(allowed.contains).map(\.rawValue)
            throw ArsError.usage(
                .wrongKind, "this command takes \(names.joined(separator: " or ")), not \(reference.kind.rawValue)",
                hint: "e.g. \(names[0])/\(ResourceKind(rawValue: names[0])!.idPrefix)42")
        }
        return reference
    }

    private static func unknownKind(_ word: String) -> ArsError {
        ArsError.usage(
            .unknownKind, "unknown resource kind '\(word)'",
            hint: Suggestions.hint(for: word, in: ResourceKind.words)
                ?? "kinds: \(ResourceKind.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    /// `task/t-42`.
    var display: String { id.map { "\(kind.rawValue)/\($0)" } ?? kind.collection }
}
