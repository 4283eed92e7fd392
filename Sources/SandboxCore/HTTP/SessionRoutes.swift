import Hummingbird

/// `/sessions`: list, get (with current liveness), send, and logs (paged by `afterSeq`).
extension SandboxAPI {
    func addSessionRoutes(_ api: RouterGroup<SandboxRequestContext>) {
        api.get("sessions") { request, context in
            let filter = filter(request, columns: [("taskId", .taskId)])
            return try reply(try await lane.sessions(filter: filter, page: try RequestReading.page(request)), context)
        }
        api.get("sessions/:id") { _, context in
            try reply(try await lane.session(id: try RequestReading.parameter("id", context)), context)
        }
        api.post("sessions/:id/send") { request, context in
            let body = try await RequestReading.body(MessageRequest.self, from: request)
            let command = try await lane.send(sessionId: try RequestReading.parameter("id", context), message: body.message)
            return try reply(command, context, status: .accepted)
        }
        api.get("sessions/:id/logs") { request, context in
            let sessionId = try RequestReading.parameter("id", context)
            let afterSeq = try RequestReading.afterSeq(request)
            let limit = try RequestReading.limit(request)
            return try await stream(request, context) { try await lane.logs(sessionId: sessionId, afterSeq: afterSeq, limit: limit) }
        }
    }
}
