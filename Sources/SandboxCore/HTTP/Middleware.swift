import Hummingbird
import Logging

/// Outermost: every response carries `X-Request-Id`, and every error becomes an envelope with
/// the contract's status and code. An unexpected error is logged and answered as a 500.
struct EnvelopeMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = Envelope.failure(error, requestId: context.requestId)
        } catch let error as HTTPError where error.status == .notFound {
            response = Envelope.failure(.noRoute(method: request.method.rawValue, path: request.uri.path), requestId: context.requestId)
        } catch {
            context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            response = Envelope.failure(.internal("the sandbox failed to handle the request: \(error)"), requestId: context.requestId)
        }
        response.headers[.requestId] = context.requestId
        return response
    }
}

/// Checks `Authorization: Bearer <key>` on every route but `/healthz`. The key is compared in
/// constant time and never echoed.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext
    let apiKey: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path != SandboxAPI.prefix + "/healthz" else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("missing Authorization header; send Authorization: Bearer <API key>")
        }
        let scheme = "Bearer "
        guard header.count > scheme.count, header.prefix(scheme.count).lowercased() == scheme.lowercased() else {
            throw APIError.unauthorized("the Authorization header must use the Bearer scheme")
        }
        guard Self.constantTimeEqual(Array(header.utf8.dropFirst(scheme.utf8.count)), Array(apiKey.utf8)) else {
            throw APIError.unauthorized("the API key is not valid for this lane")
        }
        return try await next(request, context)
    }

    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            difference |= (index < lhs.count ? lhs[index] : 0) ^ (index < rhs.count ? rhs[index] : 0)
        }
        return difference == 0
    }
}

/// Applies armed slow and http-500 faults to every authenticated request outside `/admin` and
/// `/healthz`. An injected 500 is answered before the handler runs, so it changes nothing.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext
    let faults: FaultInjector

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !path.hasPrefix(SandboxAPI.prefix + "/admin"), path != SandboxAPI.prefix + "/healthz" else {
            return try await next(request, context)
        }
        let (delay, fail) = await faults.takeRequestFaults()
        if let delay { try await Task.sleep(for: .milliseconds(delay)) }
        if fail { throw APIError.internal("injected fault: http-500") }
        return try await next(request, context)
    }
}
