import Bridges
import Commands
import Transport

/// The real adapters behind the seams in `Commands`.
enum Transports {
    /// HTTP over libcurl (one reused connection per session), with proxies taken from the
    /// session's environment; idempotent reads are retried on connection errors and
    /// 500/502/503/504 (each retry announced through `announce`), nothing else is.
    static func http(environment: [String: String], announce: @escaping @Sendable (String) -> Void = { _ in }) -> any HTTPTransport {
        do {
            return RetryingTransport(wrapping: try CurlHTTPTransport(configuration: .init(environment: environment)), announce: announce)
        } catch {
            return FailedTransport(error: ErrorReport.normalize(error))
        }
    }

    /// The node bridge the catalogue names (`trans`, `ssh` or `local`), with executables looked
    /// up on the session's `PATH` and children given the session's environment.
    static func bridge(for node: NodeSettings, environment: [String: String]) -> any RemoteBridge {
        Bridges.make(for: node, environment: environment)
    }
}

/// A transport whose adapter could not be set up: every request reports why.
private struct FailedTransport: HTTPTransport {
    let error: ArsError
    func send(_ request: HTTPRequest) async throws -> HTTPResponse { throw error }
}
