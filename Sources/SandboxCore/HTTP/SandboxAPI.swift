import Hummingbird

/// The sandbox's REST API (`docs/agentrun-api.md`) under `/api/v1`: middleware, then one route per
/// documented endpoint, each a thin adapter from HTTP to a `SandboxLane` operation.
struct SandboxAPI: Sendable {
    /// Every route lives under this path.
    static let prefix = "/api/v1"

    let lane: SandboxLane
    let faults: FaultInjector
    let notifier: ChangeNotifier
    let apiKey: String
    /// The Kubernetes API under `/k8s` (its own auth and error shapes), when the sandbox serves one.
    var kube: KubeAPI? = nil
    /// The git-mirror cache whose faults `/admin/mirror-faults` arms, when the sandbox has one.
    var mirror: GitMirrorCache? = nil
    /// The egress proxy and probe target whose faults `/admin/egress-faults` sets, when running.
    var egress: SandboxEgress? = nil

    /// The router: `/k8s` requests go to the Kubernetes API first; for the rest, envelope and
    /// request ids outermost, then auth, then injected faults.
    func makeRouter() -> Router<SandboxRequestContext> {
        let router = Router(context: SandboxRequestContext.self)
        if let kube { router.add(middleware: KubeMiddleware(api: kube)) }
        router.add(middleware: EnvelopeMiddleware())
        router.add(middleware: AuthMiddleware(apiKey: apiKey))
        router.add(middleware: FaultMiddleware(faults: faults))
        let api = router.group(RouterPath(Self.prefix))
        api.get("healthz") { _, context in try Envelope.success(Health(status: "ok"), requestId: context.requestId) }
        addTaskRoutes(api)
        addRunRoutes(api)
        addSessionRoutes(api)
        addCommandRoutes(api)
        addAdminRoutes(api)
        return router
    }

    // MARK: - Shared helpers

    /// A success envelope.
    func reply(_ data: some Encodable, _ context: SandboxRequestContext, status: HTTPResponse.Status = .ok) throws -> Response {
        try Envelope.success(data, status: status, requestId: context.requestId)
    }

    /// The filter of a list request from the named query parameters.
    func filter(_ request: Request, columns: [(query: String, column: ListFilter.Column)]) -> ListFilter {
        var filter = ListFilter()
        for (query, column) in columns {
            if let value = RequestReading.query(query, request) { filter.columns.append((column, value)) }
        }
        return filter
    }
}
