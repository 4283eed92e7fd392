import Hummingbird

/// Sandbox-only administration: arm and clear HTTP-level faults and git-mirror faults, move the
/// sandbox clock.
///
/// - `POST /admin/faults` `{"kind": "http-500"|"slow"|"drop-follow", "count"?, "delayMs"?}` arms
///   an HTTP fault; `DELETE /admin/faults` clears them, and the git-mirror faults too.
/// - `POST /admin/mirror-faults` `{"fault": "mirror-missing"|"mirror-stale"|"mirror-unused"|"fetch-url-mismatch"}`
///   or `{"fault": "rollout-commit", "commit": "<40 hex>"}` arms a git-mirror fault (`GitMirrorCache`
///   says what each does); `GET` shows them, `DELETE` clears them. Each answers what is armed.
/// - `POST /admin/egress-faults` `{"fault": "proxy-down"|"target-down"}` stops the egress proxy or
///   the HTTPS probe target (its port then refuses connections); `DELETE` starts again, on the same
///   ports, whatever is stopped; `GET` shows `{"proxy": "up"|"down", "target": "up"|"down"}`, as
///   each of them answers. A 404 when the sandbox runs no egress endpoints.
extension SandboxAPI {
    func addAdminRoutes(_ api: RouterGroup<SandboxRequestContext>) {
        api.post("admin/faults") { request, context in
            let body = try await RequestReading.body(FaultRequest.self, from: request)
            return try reply(try await faults.arm(body), context)
        }
        api.delete("admin/faults") { _, context in
            if let mirror { _ = try mirror.clear(now: await lane.now()) }
            return try reply(await faults.clear(), context)
        }
        api.post("admin/mirror-faults") { request, context in
            let body = try await RequestReading.body(MirrorFaultRequest.self, from: request)
            return try reply(try mirrorCache().arm(body, now: await lane.now()), context)
        }
        api.get("admin/mirror-faults") { _, context in
            try reply(try mirrorCache().current, context)
        }
        api.delete("admin/mirror-faults") { _, context in
            try reply(try mirrorCache().clear(now: await lane.now()), context)
        }
        api.post("admin/egress-faults") { request, context in
            let body = try await RequestReading.body(EgressFaultRequest.self, from: request)
            return try reply(try await egressEndpoints().arm(body.fault), context)
        }
        api.get("admin/egress-faults") { _, context in
            try reply(await egressEndpoints().status, context)
        }
        api.delete("admin/egress-faults") { _, context in
            try reply(try await egressEndpoints().clear(), context)
        }
        api.post("admin/clock") { request, context in
            let body = try await RequestReading.body(ClockRequest.self, from: request)
            guard (1...31_536_000_000).contains(body.advanceMs) else {
                throw APIError.badRequest(field: "advanceMs", "advanceMs must be from 1 to 31536000000 (one year)")
            }
            let now = try await lane.advanceClock(by: body.advanceMs)
            // The cluster's controllers catch up too, so git (promotions, the mirror) is current.
            try await kube?.cluster.catchUp()
            return try reply(ClockReading(now: now), context)
        }
    }

    /// The egress proxy and probe target, or a 404 when this sandbox runs none.
    private func egressEndpoints() throws -> SandboxEgress {
        guard let egress else { throw APIError.notFound(kind: "egress endpoints", id: "sandbox") }
        return egress
    }

    /// The git-mirror cache, or a 404 when this sandbox has none.
    private func mirrorCache() throws -> GitMirrorCache {
        guard let mirror else { throw APIError.notFound(kind: "git-mirror cache", id: "sandbox") }
        return mirror
    }
}
