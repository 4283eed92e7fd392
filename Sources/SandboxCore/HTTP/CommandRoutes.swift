import Hummingbird

/// `/commands` (list, get, result) and `/runnerjobs` (list, get).
extension SandboxAPI {
    func addCommandRoutes(_ api: RouterGroup<SandboxRequestContext>) {
        api.get("commands") { request, context in
            var filter = filter(request, columns: [("taskId", .taskId)])
            if let kind = try RequestReading.choice("kind", CommandKind.self, request) { filter.columns.append((.kind, kind.rawValue)) }
            if let status = try RequestReading.choice("status", CommandStatus.self, request) {
                filter.columns.append((.status, status.rawValue))
            }
            return try reply(try await lane.commands(filter: filter, page: try RequestReading.page(request)), context)
        }
        api.get("commands/:id") { _, context in
            try reply(try await lane.command(id: try RequestReading.parameter("id", context)), context)
        }
        api.get("commands/:id/result") { _, context in
            try reply(try await lane.commandResult(id: try RequestReading.parameter("id", context)), context)
        }
        api.get("runnerjobs") { request, context in
            let filter = filter(request, columns: [("taskId", .taskId)])
            return try reply(try await lane.runnerJobs(filter: filter, page: try RequestReading.page(request)), context)
        }
        api.get("runnerjobs/:id") { _, context in
            try reply(try await lane.runnerJob(id: try RequestReading.parameter("id", context)), context)
        }
    }
}
