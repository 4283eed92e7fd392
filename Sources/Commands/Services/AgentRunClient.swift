import FoundationEssentials
import Synchronization

/// One request/response with the AgentRun REST API, kept for `--raw` and evidence.
public struct Exchange: Sendable {
    public var method: String
    public var url: String
    public var status: Int
    public var envelope: Value
    public var timings: HTTPTimings

    /// The envelope's `data`.
    public var data: Value { envelope["data"] ?? .null }
}

/// Talks to one lane's AgentRun REST API directly over HTTP: builds requests with the bearer key,
/// decodes the JSON envelope, and turns failures into errors that say what to do. Render-only:
/// it returns the server's facts and adds none.
public final class AgentRunClient: Sendable {
    public let session: Session
    public let lane: LaneSettings
    public let credentials: Credentials
    public let configPath: String
    private let log = ExchangeLog()

    /// Every exchange so far, oldest first (for `--raw`).
    public var exchanges: [Exchange] { log.all }

    /// The client for a resolved lane.
    /// Whether exchanges are kept (for `--raw`); a long read keeps none, so its memory stays flat.
    let keepsExchanges: Bool

    public init(session: Session, lane: LaneSettings, keepsExchanges: Bool = false) throws(ArsError) {
        self.keepsExchanges = keepsExchanges
        self.session = session
        let config = try session.config()
        self.lane = lane
        self.credentials = try Credentials.discover(in: session, auth: config.catalog.auth)
        self.configPath = config.path
    }

    public var baseURL: String {
        (lane.restBaseURL.hasSuffix("/") ? String(lane.restBaseURL.dropLast()) : lane.restBaseURL) + "/api/v1"
    }

    // MARK: - Requests

    public func get(_ path: String, query: [(String, String?)] = [], timeout: Double? = nil) async throws -> Exchange {
        try await send(HTTPRequest(method: "GET", url: try url(path, query), timeout: timeout))
    }

    public func post(_ path: String, body: Value = .object(Object()), idempotencyKey: String? = nil) async throws -> Exchange {
        var request = HTTPRequest(method: "POST", url: try url(path, []), body: Data(JSON.encode(body, pretty: false).utf8))
        request.headers.append(HTTPHeader("Content-Type", "application/json"))
        if let idempotencyKey { request.headers.append(HTTPHeader("Idempotency-Key", idempotencyKey)) }
        return try await send(request)
    }

    /// Every path segment is checked against the id grammar and every query value is
    /// percent-encoded, so no id can add a segment, a query or a fragment; a bad one is a usage
    /// error and nothing is sent.
    private func url(_ path: String, _ query: [(String, String?)]) throws(ArsError) -> String {
        let items = URLPath.query(query)
        return baseURL + (try URLPath.checked(path)) + (items.isEmpty ? "" : "?" + items)
    }

    private func send(_ request: HTTPRequest) async throws -> Exchange {
        var request = request
        request.headers.insert(HTTPHeader("Authorization", "Bearer \(credentials.key)"), at: 0)
        request.headers.append(HTTPHeader("Accept", "application/json"))
        request.caFile = lane.raw["restCAFile"]?.stringValue.map(session.expandingTilde)
        let response: HTTPResponse
        do {
            response = try await session.http.send(request)
        } catch var error as ArsError where error.kind == .remote {
            error.message = "lane \(lane.qualifiedName) (\(lane.restBaseURL)): \(error.message)"
            error.hint =
                error.hint ?? "check restBaseUrl of \(lane.qualifiedName) in \(configPath), or run 'ars --sandbox' for a local lane"
            throw error
        }
        let envelope: Value
        do {
            envelope = try JSON.decode(String(decoding: response.body, as: UTF8.self))
        } catch {
            throw ArsError(
                .remote, code: .badResponse,
                "\(request.method) \(request.url) answered HTTP \(response.status) with a body that is not JSON (\(error.message) at \(error.line):\(error.column))",
                hint: "is restBaseUrl of \(lane.qualifiedName) the AgentRun API? (\(configPath))")
        }
        let exchange = Exchange(
            method: request.method, url: request.url, status: response.status, envelope: envelope, timings: response.timings)
        if keepsExchanges { log.append(exchange) }
        guard (200..<300).contains(response.status), envelope["ok"] == .bool(true) else {
            throw failure(exchange)
        }
        return exchange
    }

    /// The error for an envelope with `ok: false` (or a non-2xx status).
    private func failure(_ exchange: Exchange) -> ArsError {
        let code = exchange.envelope.lookup("error.code")?.stringValue ?? "http-\(exchange.status)"
        let message = exchange.envelope.lookup("error.message")?.stringValue ?? "no error message"
        let details = exchange.envelope.lookup("error.details")
        var hint: String?
        switch exchange.status {
        case 401, 403:
            hint = "the key came from \(credentials.source) (\(credentials.redactedPrefix)); check it is the key of \(lane.qualifiedName)"
        case 404:
            if let kind = details?["kind"]?.stringValue { hint = "list what exists with 'get \(kind)s'" }
        case 409:
            if let kind = details?["kind"]?.stringValue, let id = details?["id"]?.stringValue {
                hint = "see its state with 'describe \(kind)/\(id)'"
            }
        case 500..<600:
            hint =
                exchange.method == "GET"
                ? "the server failed; ars tried this GET \(RetryPolicy().maxAttempts) times (reads are retried on 500/502/503/504); try again later"
                : "the server failed; ars never retries a \(exchange.method) (it could act twice) — check with 'get' before repeating the change"
        default:
            break
        }
        return ArsError(.remote, code: ErrorCode(server: code), "HTTP \(exchange.status) \(code): \(message)", hint: hint)
    }
}

/// A thread-safe list of exchanges.
private final class ExchangeLog: Sendable {
    private let items = Mutex<[Exchange]>([])

    func append(_ exchange: Exchange) { items.withLock { $0.append(exchange) } }
    var all: [Exchange] { items.withLock { $0 } }
}
