import Foundation

/// Records every HTTP exchange that passes through the transport seam, for `ars run --record`.
/// Authorization headers are never kept; bodies are redacted when the recording is written.
public final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    private let inner: any HTTPTransport
    private var exchanges: [Value] = []
    private let lock = NSLock()

    public init(wrapping inner: any HTTPTransport) { self.inner = inner }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let response = try await inner.send(request)
        let exchange = Value.object([
            "request": .object([
                "method": .string(request.method), "path": .string(Recording.pathAndQuery(request.url)),
                "body": .optional(request.body.map { String(decoding: $0, as: UTF8.self) }),
            ]),
            "response": .object([
                "status": .int(response.status),
                "contentType": .optional(response.header("Content-Type")),
                "body": .string(String(decoding: response.body, as: UTF8.self)),
            ]),
        ])
        lock.withLock { exchanges.append(exchange) }
        return response
    }

    /// The recording file's content, with every registered secret redacted.
    public func recording(redact: (String) -> String) -> String {
        let value = Value.object([
            "apiVersion": "ars/v1", "kind": "Recording", "arsVersion": .string(ArsVersion.current),
            "exchanges": .array(lock.withLock { exchanges }),
        ])
        return redact(JSON.encode(value)) + "\n"
    }
}

/// Serves recorded exchanges instead of the network, for `ars run --replay`. Requests are matched
/// by method, path with query, and body (hosts and ports may differ between runs), in order; a
/// request the recording does not hold is an error that says so.
public final class ReplayTransport: HTTPTransport, @unchecked Sendable {
    private var remaining: [Value]
    private let total: Int
    private let file: String
    private let lock = NSLock()

    /// Loads a recording written by `--record`.
    public init(file: String) throws(ArsError) {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ArsError.invalidInput("recording-unreadable", "cannot read the recording \(file)")
        }
        let value: Value
        do { value = try JSON.decode(String(decoding: data, as: UTF8.self)) } catch {
            throw ArsError.invalidInput("recording-invalid", "\(file) is not a recording: \(error.message) at \(error.line):\(error.column)")
        }
        guard value["kind"] == "Recording", let exchanges = value["exchanges"]?.arrayValue else {
            throw ArsError.invalidInput("recording-invalid", "\(file) is not an ars recording (kind: Recording)", hint: "make one with 'ars run FILE --record \(file)'")
        }
        self.remaining = exchanges
        self.total = exchanges.count
        self.file = file
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let path = Recording.pathAndQuery(request.url)
        let body = request.body.map { String(decoding: $0, as: UTF8.self) }
        return try lock.withLock { () throws(ArsError) -> HTTPResponse in
            guard let index = remaining.firstIndex(where: { exchange in
                exchange.lookup("request.method")?.stringValue == request.method
                    && exchange.lookup("request.path")?.stringValue == path
                    && (exchange.lookup("request.body")?.stringValue ?? nil) == body
            }) else {
                throw ArsError(
                    .remote, code: "not-recorded",
                    "the recording \(file) holds no response for \(request.method) \(path)",
                    hint: "\(remaining.count) of \(total) recorded exchanges are unused; record the script again if it changed")
            }
            let exchange = remaining.remove(at: index)
            var headers: [HTTPHeader] = []
            if let type = exchange.lookup("response.contentType")?.stringValue { headers.append(HTTPHeader("Content-Type", type)) }
            return HTTPResponse(
                status: exchange.lookup("response.status")?.intValue ?? 0, headers: headers,
                body: Data((exchange.lookup("response.body")?.stringValue ?? "").utf8))
        }
    }
}

enum Recording {
    /// `/api/v1/tasks?limit=50` from a full URL: recordings match across hosts and ports.
    static func pathAndQuery(_ url: String) -> String {
        guard let components = URLComponents(string: url) else { return url }
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }
}
