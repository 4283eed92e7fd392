import Hummingbird

/// Sandbox-only administration: arm and clear HTTP-level faults, move the sandbox clock.
extension SandboxAPI {
    func addAdminRoutes(_ api: RouterGroup<SandboxRequestContext>) {
        api.post("admin/faults") { request, context in
            let body = try await RequestReading.body(FaultRequest.self, from: request)
            return try reply(try await faults.arm(body), context)
        }
        api.delete("admin/faults") { _, context in
            try reply(await faults.clear(), context)
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
}
