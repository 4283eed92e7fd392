import Hummingbird

/// The per-request context: Hummingbird's core storage plus the request id that every envelope
/// and the `X-Request-Id` header carry.
struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var requestId: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestId = "req-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }
}
