import Hummingbird

/// `/runs`: list, get, and events (paged by `afterSeq`, optionally followed).
extension SandboxAPI {
    func addRunRoutes(_ api: RouterGroup<SandboxRequestContext>) {
        api.get("runs") { request, context in
            var filter = filter(request, columns: [("taskId", .taskId)])
            if let status = try RequestReading.choice("status", RunStatus.self, request) {
                filter.columns.append((.status, status.rawValue))
            }
            return try reply(try await lane.runs(filter: filter, page: try RequestReading.page(request)), context)
        }
        api.get("runs/:id") { _, context in
            try reply(try await lane.run(id: try RequestReading.parameter("id", context)), context)
        }
        api.get("runs/:id/events") { request, context in
            let runId = try RequestReading.parameter("id", context)
            let afterSeq = try RequestReading.afterSeq(request)
            let limit = try RequestReading.limit(request)
            return try await stream(request, context) { try await lane.events(runId: runId, afterSeq: afterSeq, limit: limit) }
        }
    }
}
