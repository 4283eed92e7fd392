import Hummingbird

/// `/tasks`: list, create (idempotent), apply, get, dispatch, cancel, ack, steer, result.
extension SandboxAPI {
    func addTaskRoutes(_ api: RouterGroup<SandboxRequestContext>) {
        api.get("tasks") { request, context in
            var filter = ListFilter()
            if let status = try RequestReading.choice("status", TaskStatus.self, request) {
                filter.columns.append((.status, status.rawValue))
            }
            if let aipod = RequestReading.query("aipod", request) { filter.columns.append((.aipod, aipod)) }
            filter.labels = try RequestReading.labels(request)
            return try reply(try await lane.tasks(filter: filter, page: try RequestReading.page(request)), context)
        }
        api.post("tasks") { request, context in
            let key = try idempotencyKey(request)
            let body = try await RequestReading.body(CreateTaskRequest.self, from: request)
            let (task, created) = try await lane.createTask(body, idempotencyKey: key)
            return try reply(task, context, status: created ? .created : .ok)
        }
        api.post("tasks/apply") { request, context in
            let body = try await RequestReading.body(ApplyRequest.self, from: request)
            return try reply(try await lane.apply(body.items), context)
        }
        api.get("tasks/:id") { _, context in
            try reply(try await lane.task(id: try RequestReading.parameter("id", context)), context)
        }
        api.post("tasks/:id/dispatch") { _, context in
            try reply(try await lane.dispatch(taskId: try RequestReading.parameter("id", context)), context)
        }
        api.post("tasks/:id/cancel") { _, context in
            try reply(try await lane.cancel(taskId: try RequestReading.parameter("id", context)), context)
        }
        api.post("tasks/:id/ack") { request, context in
            let body = try await RequestReading.optionalBody(AckRequest.self, from: request)
            return try reply(try await lane.acknowledge(taskId: try RequestReading.parameter("id", context), by: body?.by), context)
        }
        api.post("tasks/:id/steer") { request, context in
            let body = try await RequestReading.body(MessageRequest.self, from: request)
            let steer = try await lane.steer(taskId: try RequestReading.parameter("id", context), message: body.message)
            return try reply(steer, context, status: .accepted)
        }
        api.get("tasks/:id/result") { _, context in
            try reply(try await lane.taskResult(taskId: try RequestReading.parameter("id", context)), context)
        }
    }

    /// The `Idempotency-Key` header: 1–200 visible ASCII characters, or absent.
    private func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...200).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\u{7F}" }) else {
            throw APIError.badRequest(field: "Idempotency-Key", "Idempotency-Key must be 1–200 visible ASCII characters")
        }
        return key
    }
}
