import Commands
import Dispatch
import Foundation
import Synchronization

/// The `HTTPTransport` ars uses in production: libcurl behind one reused connection.
///
/// - One easy handle serves every request, so a kept-alive connection is reused
///   (`HTTPTimings.newConnections` is 0 for a reused one).
/// - Requests run one at a time, in order, on a dedicated serial queue: a blocking transfer never
///   occupies a thread of Swift's cooperative pool, and concurrent callers simply wait their turn.
/// - Cancelling the calling task aborts the transfer at once and throws `CancellationError`.
/// - Failures throw `ArsError` of kind `.remote` (see `CurlErrorMapping`); messages name the
///   method and URL, never a header value.
public final class CurlHTTPTransport: HTTPTransport {
    /// Limits and identity applied to every request.
    public struct Configuration: Sendable {
        /// Seconds allowed to resolve the host and establish the connection (including TLS).
        public var connectTimeout: Double
        /// Seconds allowed for a whole exchange when the request names no `timeout` of its own.
        public var timeout: Double
        /// The `User-Agent` header sent unless a request sets its own.
        public var userAgent: String
        /// Where the proxy variables (`http_proxy`, `https_proxy`, `all_proxy`, `NO_PROXY`, …) are
        /// read from, by libcurl's rules (`ProxySettings`); libcurl is never left to read the
        /// process environment itself, so pass the session's environment.
        public var environment: [String: String]

        public init(
            connectTimeout: Double = 10,
            timeout: Double = 60,
            userAgent: String = "ars/\(ArsVersion.current)",
            environment: [String: String] = ProcessInfo.processInfo.environment
        ) {
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.userAgent = userAgent
            self.environment = environment
        }
    }

    // MARK: - State

    /// The libcurl handles. The mutex makes exclusive use compiler-checked; the serial queue means
    /// it is never contended.
    private let connection: Mutex<CurlConnection>
    /// Interrupts the connection's wait for network activity, from any thread.
    private let waker: CurlWaker
    /// Where transfers run, one after another, outside the cooperative thread pool.
    private let queue = DispatchQueue(label: "ars.transport.curl")

    // MARK: - Lifecycle

    /// Creates the handles. Throws `ArsError(.internal)` when libcurl cannot be initialised.
    public init(configuration: Configuration = Configuration()) throws {
        let connection = try CurlConnection(configuration: configuration)
        waker = connection.waker
        self.connection = Mutex(connection)
    }

    // MARK: - HTTPTransport

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let flag = CancellationFlag()
        let waker = waker
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async {
                    let outcome = self.connection.withLock { connection in
                        Result { try connection.perform(request, cancellation: flag) }
                    }
                    continuation.resume(with: outcome)
                }
            }
        } onCancel: {
            flag.cancel()
            waker.wake()
        }
    }
}
