import Commands
import Dispatch
import FoundationEssentials
import Synchronization

/// The `HTTPTransport` ars uses in production: libcurl behind two reused connections.
///
/// - A request goes to the first connection when it is idle, so one caller after another reuses
///   one kept-alive connection (`HTTPTimings.newConnections` is 0 for a reused one). A request
///   made while the first is busy (a reader fetching the next page while one is on its way) takes
///   the second, made when first needed: the server answers both at once.
/// - Each connection runs its requests one at a time on its own serial queue: a blocking transfer
///   never occupies a thread of Swift's cooperative pool.
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

    /// One libcurl connection and the serial queue its transfers run on.
    private final class Slot: Sendable {
        /// The handles. The mutex makes exclusive use compiler-checked; the serial queue means it
        /// is never contended.
        let connection: Mutex<CurlConnection>
        /// Interrupts the connection's wait for network activity, from any thread.
        let waker: CurlWaker
        let queue: DispatchQueue
        /// Requests given to this slot and not finished.
        let pending = Atomic<Int>(0)

        init(configuration: Configuration, index: Int) throws {
            let connection = try CurlConnection(configuration: configuration)
            waker = connection.waker
            self.connection = Mutex(connection)
            queue = DispatchQueue(label: "ars.transport.curl.\(index)")
        }
    }

    private let configuration: Configuration
    private let first: Slot
    /// Made by the first request that finds `first` busy.
    private let second = Mutex<Slot?>(nil)

    // MARK: - Lifecycle

    /// Creates the first connection's handles. Throws `ArsError(.internal)` when libcurl cannot
    /// be initialised.
    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        first = try Slot(configuration: configuration, index: 0)
    }

    /// The first connection when nothing is pending on it, else the less loaded of the two.
    private func slot() throws -> Slot {
        if first.pending.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged { return first }
        let other = try second.withLock { slot in
            if let slot { return slot }
            let made = try Slot(configuration: configuration, index: 1)
            slot = made
            return made
        }
        let chosen = other.pending.load(ordering: .relaxed) <= first.pending.load(ordering: .relaxed) ? other : first
        chosen.pending.add(1, ordering: .acquiringAndReleasing)
        return chosen
    }

    // MARK: - HTTPTransport

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let flag = CancellationFlag()
        let slot = try slot()
        let waker = slot.waker
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                slot.queue.async {
                    let outcome = slot.connection.withLock { connection in
                        Result { try connection.perform(request, cancellation: flag) }
                    }
                    slot.pending.subtract(1, ordering: .acquiringAndReleasing)
                    continuation.resume(with: outcome)
                }
            }
        } onCancel: {
            flag.cancel()
            waker.wake()
        }
    }
}
