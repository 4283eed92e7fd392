import Commands
import FoundationEssentials

/// The resolved options of a queue command: its lane, `--raw`, and the command's own request.
struct QueueOptions<Request: Sendable>: LaneScoped {
    let lane: LaneSettings
    let raw: Bool
    let request: Request
}

/// What every queue command shares: lane options, `--raw`, the client, and the raw disclosure.
/// A queue command resolves its own `Request`; the lane and `--raw` are resolved here, once.
protocol QueueCommand: Command where Options == QueueOptions<Request> {
    associatedtype Request: Sendable
    /// The command's own part of the resolve step.
    func request(_ invocation: Invocation, in session: Session) throws -> Request
    /// The command's work, given a client for the resolved lane.
    func run(_ request: Request, client: AgentRunClient, in session: Session) async throws -> CommandOutput
}

extension QueueCommand {
    func resolve(_ invocation: Invocation, in session: Session) throws -> QueueOptions<Request> {
        let request = try request(invocation, in: session)
        return QueueOptions(lane: try invocation.lane(in: session), raw: invocation.flag(QueueFlags.raw.name), request: request)
    }

    func run(_ options: QueueOptions<Request>, in session: Session) async throws -> CommandOutput {
        let client = try AgentRunClient(session: session, lane: options.lane, keepsExchanges: options.raw)
        let output = try await run(options.request, client: client, in: session)
        return options.raw ? Self.raw(client) : output
    }

    /// `--raw`: the REST envelopes plus how they were obtained — never the key.
    static func raw(_ client: AgentRunClient) -> CommandOutput {
        let value = Value.object([
            "transport": "direct-http",
            "clientRole": "render-only",
            "configPath": .string(client.configPath),
            "lane": .string(client.lane.qualifiedName),
            "baseUrl": .string(client.baseURL),
            "auth": .object(["source": .string(client.credentials.source), "keyPrefix": .string(client.credentials.redactedPrefix)]),
            "exchanges": .array(
                client.exchanges.map { exchange in
                    .object([
                        "request": .object(["method": .string(exchange.method), "url": .string(exchange.url)]),
                        "status": .int(exchange.status),
                        "timingsMs": .object([
                            "dns": milliseconds(exchange.timings.dns), "connect": milliseconds(exchange.timings.connect),
                            "tls": milliseconds(exchange.timings.tls), "firstByte": milliseconds(exchange.timings.firstByte),
                            "total": milliseconds(exchange.timings.total),
                        ]),
                        "newConnections": .int(exchange.timings.newConnections),
                        "envelope": exchange.envelope,
                    ])
                }),
        ])
        return CommandOutput(value)
    }

    /// Seconds as milliseconds with microsecond precision.
    private static func milliseconds(_ seconds: Double) -> Value { .double((seconds * 1_000_000).rounded() / 1000) }
}

/// Options every queue command takes.
enum QueueFlags {
    static let raw = Option.flag("raw", "Print the REST envelopes with transport, config, base URL and auth source (never the key)")
    static let lane: [Option] = [.node, .lane, raw]

    /// The `KIND/ID` positional (a bare id such as `t-42` also works).
    static func target(_ summary: String, contextDefault: ContextKey? = nil, optional: Bool = false) -> Positional {
        Positional(
            "target", summary, optional: optional, completion: .provider(QueuePlugin.resourceProvider), contextDefault: contextDefault)
    }

    /// The `KIND/ID`, `KIND ID` or bare id the line names, parsed once (resolve steps only).
    static func reference(_ invocation: Invocation, allowed: Set<ResourceKind> = Set(ResourceKind.allCases)) throws(ArsError)
        -> ResourceReference
    {
        guard let target = invocation.argument("target") else {
            throw ArsError.usage(
                .missingArgument, "\(invocation.signature.name) needs KIND/ID, e.g. task/t-42",
                hint: "or set the current task with 'use task ID'")
        }
        return try ResourceReference.parse(target, invocation.argument("id"), allowed: allowed)
    }

    /// One resource the line names: its reference and its id, or `missing` when only a kind was given.
    static func resource(
        _ invocation: Invocation, allowed: Set<ResourceKind> = Set(ResourceKind.allCases), missing: (ResourceReference) -> ArsError
    ) throws(ArsError) -> (reference: ResourceReference, id: String) {
        let reference = try reference(invocation, allowed: allowed)
        guard let id = reference.id else { throw missing(reference) }
        return (reference, id)
    }

    /// The optional `ID` positional of the `KIND ID` spelling.
    static let id = Positional(
        "id", "Id, when the kind is given as a separate word", optional: true, completion: .provider(QueuePlugin.resourceProvider))
}
