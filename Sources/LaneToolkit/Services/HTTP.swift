import CommandModel
import FoundationEssentials

/// An HTTP request as plugins describe it; the transport adapter (libcurl) carries it out.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    /// Header fields in order. Never log the `Authorization` value.
    public var headers: [HTTPHeader]
    public var body: Data?
    /// Total time allowed for the exchange, in seconds (nil: the transport's default).
    public var timeout: Double?
    /// A PEM bundle of the CAs that may sign an https URL's certificate (the lane's
    /// `restCAFile`); nil: the system's CAs.
    public var caFile: String?

    public init(
        method: String = "GET", url: String, headers: [HTTPHeader] = [], body: Data? = nil, timeout: Double? = nil, caFile: String? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.caFile = caFile
    }

    /// Whether repeating the request cannot change anything on the server (GET, HEAD).
    public var isIdempotentRead: Bool { method == "GET" || method == "HEAD" }
}

/// One header field.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A complete response. A 4xx or 5xx status is a response, not an error.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: Data
    public var timings: HTTPTimings

    public init(status: Int, headers: [HTTPHeader] = [], body: Data = Data(), timings: HTTPTimings = HTTPTimings()) {
        self.status = status
        self.headers = headers
        self.body = body
        self.timings = timings
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Where the time of one exchange went, in seconds from the start of the request (as libcurl
/// reports them: each is cumulative).
public struct HTTPTimings: Sendable, Equatable {
    public var dns: Double
    public var connect: Double
    public var tls: Double
    public var firstByte: Double
    public var total: Double
    /// How many new connections the exchange opened (0 when a kept-alive one was reused).
    public var newConnections: Int

    public init(dns: Double = 0, connect: Double = 0, tls: Double = 0, firstByte: Double = 0, total: Double = 0, newConnections: Int = 0) {
        self.dns = dns
        self.connect = connect
        self.tls = tls
        self.firstByte = firstByte
        self.total = total
        self.newConnections = newConnections
    }
}

/// Sends HTTP requests. The one seam all HTTP traffic goes through, so it can be recorded,
/// replayed or served by a fake at the edge.
///
/// Failures to get any response throw `ArsError` of kind `.remote` with codes
/// `connection-refused`, `dns`, `connect-timeout`, `timeout`, `tls`, `connection-reset` or
/// `transport`; the message names the URL and which timeout expired. Cancellation (Ctrl-C)
/// throws `CancellationError`.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
