import Commands
import Foundation
import Transport

/// A transport with the given limits that ignores the process's proxy variables (its environment
/// is exactly `environment`), so the tests behave the same on any machine.
func makeTransport(connectTimeout: Double = 10, timeout: Double = 60, environment: [String: String] = [:]) throws -> CurlHTTPTransport {
    try CurlHTTPTransport(configuration: .init(connectTimeout: connectTimeout, timeout: timeout, environment: environment))
}

/// The `ArsError` a request fails with, or nil when it succeeds or fails otherwise.
func arsError(sending request: HTTPRequest, with transport: some HTTPTransport) async -> ArsError? {
    do {
        _ = try await transport.send(request)
        return nil
    } catch {
        return error as? ArsError
    }
}

/// Waits (polling) until the condition holds; false after `timeout` seconds.
func eventually(timeout: Double = 30, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
