import CommandModel
import FoundationEssentials

/// When `RetryingTransport` tries a request again, and how long it waits first.
///
/// Only idempotent reads (GET, HEAD) are retried, and only when trying again can help: the
/// connection failed before the server could act (`connection-refused`, `connect-timeout`,
/// `connection-reset`), or the server answered 500, 502, 503 or 504. A POST is never retried here:
/// repeating it could do its work twice. A total `timeout` is not retried either — the request
/// already had all the time it was given.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The wait before the first retry; it doubles for each later one.
    public var baseDelay: Duration
    /// The longest wait between two attempts.
    public var maxDelay: Duration
    /// A number in 0...1 for each wait. The wait is scaled to between half and all of its nominal
    /// value, so clients that failed together do not retry together.
    public var random: @Sendable () -> Double
    /// How to wait; tests pass one that records the duration and returns at once.
    public var sleep: @Sendable (Duration) async throws -> Void

    /// Statuses where a read may succeed when tried again: a failed handler (500) and the
    /// gateway answers that say "try again".
    public static let retriedStatuses: Set<Int> = [500, 502, 503, 504]
    /// `ArsError` codes of failures that happened before the server could act on the request.
    public static let retriedErrorCodes: Set<ErrorCode> = [.connectionRefused, .connectTimeout, .connectionReset]

    public init(
        maxAttempts: Int = 3,
        baseDelay: Duration = .milliseconds(200),
        maxDelay: Duration = .seconds(2),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.random = random
        self.sleep = sleep
    }

    // MARK: - Decisions

    /// Whether a response with this status is worth another attempt.
    public func shouldRetry(_ request: HTTPRequest, status: Int) -> Bool {
        request.isIdempotentRead && Self.retriedStatuses.contains(status)
    }

    /// Whether a failure is worth another attempt (never cancellation or an unknown error).
    public func shouldRetry(_ request: HTTPRequest, error: any Error) -> Bool {
        guard request.isIdempotentRead, let error = error as? ArsError, error.kind == .remote else { return false }
        return Self.retriedErrorCodes.contains(error.code)
    }

    /// The wait before retry number `retry` (1 for the first): `baseDelay` doubled per retry,
    /// capped at `maxDelay`, then jittered down by up to half.
    public func delay(beforeRetry retry: Int) -> Duration {
        var nominal = min(baseDelay, maxDelay)
        for _ in 1..<max(1, retry) {
            nominal = min(nominal * 2, maxDelay)
        }
        let fraction = 0.5 + 0.5 * min(1, max(0, random()))
        return nominal * fraction
    }
}

/// An `HTTPTransport` that retries what `RetryPolicy` allows, waiting between attempts.
///
/// When every attempt fails, the last response is returned (a 503 is still a response), or the
/// last error is thrown with the number of attempts added to its message.
public struct RetryingTransport: HTTPTransport {
    public let inner: any HTTPTransport
    public let policy: RetryPolicy
    /// Told about each retry before its wait (`retrying GET … after HTTP 503 (attempt 2 of 3)`),
    /// so the shell can say so on stderr.
    public let announce: @Sendable (String) -> Void

    public init(
        wrapping inner: any HTTPTransport, policy: RetryPolicy = RetryPolicy(), announce: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.inner = inner
        self.policy = policy
        self.announce = announce
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var attempt = 1
        while true {
            let reason: String
            do {
                let response = try await inner.send(request)
                guard attempt < policy.maxAttempts, policy.shouldRetry(request, status: response.status) else { return response }
                reason = "HTTP \(response.status)"
            } catch {
                guard attempt < policy.maxAttempts, policy.shouldRetry(request, error: error) else {
                    throw Self.annotated(error, attempts: attempt)
                }
                reason = (error as? ArsError)?.code.rawValue ?? "a transport error"
            }
            announce("retrying \(request.method) \(request.url) after \(reason) (attempt \(attempt + 1) of \(policy.maxAttempts))")
            try await policy.sleep(policy.delay(beforeRetry: attempt))
            attempt += 1
        }
    }

    /// The error, saying how many attempts were made when there was more than one.
    private static func annotated(_ error: any Error, attempts: Int) -> any Error {
        guard attempts > 1, var error = error as? ArsError else { return error }
        error.message += " (after \(attempts) attempts)"
        return error
    }
}
