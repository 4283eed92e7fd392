import Commands
import Foundation

/// What every queue command shares: lane options, `--raw`, the client, and the raw disclosure.
protocol QueueCommand: Command {
    /// The command's work, given a client for the chosen lane.
    func run(_ invocation: Invocation, client: QueueClient, in session: Session) async throws -> CommandOutput
}

extension QueueCommand {
    func run(_ invocation: Invocation, in session: Session) async throws -> CommandOutput {
        let client = try QueueClient(session: session, invocation: invocation)
        let output = try await run(invocation, client: client, in: session)
        return invocation.flag("raw") ? Self.raw(client) : output
    }

    /// `--raw`: the REST envelopes plus how they were obtained — never the key.
    static func raw(_ client: QueueClient) -> CommandOutput {
        let value = Value.object([
            "transport": "direct-http",
            "clientRole": "render-only",
            "configPath": .string(client.configPath),
            "lane": .string(client.lane.qualifiedName),
            "baseUrl": .string(client.baseURL),
            "auth": .object(["source": .string(client.credentials.source), "keyPrefix": .string(client.credentials.redactedPrefix)]),
            "exchanges": .array(client.exchanges.map { exchange in
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
enum QueueOptions {
    static let raw = Option.flag("raw", "Print the REST envelopes with transport, config, base URL and auth source (never the key)")
    static let lane: [Option] = [.node, .lane, raw]

    /// The `KIND/ID` positional (a bare id such as `t-42` also works).
    static func target(_ summary: String, contextDefault: ContextKey? = nil, optional: Bool = false) -> Positional {
        Positional("target", summary, optional: optional, completion: .provider(QueuePlugin.resourceProvider), contextDefault: contextDefault)
    }

    /// The optional `ID` positional of the `KIND ID` spelling.
    static let id = Positional("id", "Id, when the kind is given as a separate word", optional: true, completion: .provider(QueuePlugin.resourceProvider))
}
