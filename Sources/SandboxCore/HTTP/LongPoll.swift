import Hummingbird

/// Answers for event and log streams: one page, or with `follow=true` a long-poll that returns
/// as soon as there is an item past `afterSeq`, the stream is terminal, or `waitMs` passes.
extension SandboxAPI {
    /// Serves one stream request; `fetch` reads the page.
    func stream<Item: Codable & Sendable>(
        _ request: Request, _ context: SandboxRequestContext, fetch: () async throws -> SeqPage<Item>
    ) async throws -> Response {
        guard try RequestReading.flag("follow", request) else { return try reply(try await fetch(), context) }
        let deadline = ContinuousClock.now + .milliseconds(try RequestReading.waitMilliseconds(request))
        var page: SeqPage<Item>
        while true {
            let seen = await notifier.generation
            page = try await fetch()
            let remaining = deadline - ContinuousClock.now
            let shuttingDown = await notifier.isShutDown
            if !page.items.isEmpty || page.terminal || remaining <= .zero || shuttingDown { break }
            await notifier.wait(after: seen, timeout: remaining)
        }
        if await faults.takeDropFollow() { return try droppedMidBody(page, context) }
        return try reply(page, context)
    }

    /// The drop-follow fault: announces the full length, sends half the body, then fails the
    /// write so the server closes the connection. Nothing is consumed: the client resumes from
    /// the same `afterSeq`.
    private func droppedMidBody<Item: Codable & Sendable>(_ page: SeqPage<Item>, _ context: SandboxRequestContext) throws -> Response {
        let bytes = try Envelope.encodeSuccess(page, requestId: context.requestId)
        let half = bytes.getSlice(at: bytes.readerIndex, length: bytes.readableBytes / 2) ?? ByteBuffer()
        let body = ResponseBody(contentLength: bytes.readableBytes) { writer in
            try await writer.write(half)
            throw DroppedConnection()
        }
        return Response(status: .ok, headers: Envelope.headers(requestId: context.requestId), body: body)
    }
}

/// Thrown mid-body by the drop-follow fault; the server closes the connection on it.
struct DroppedConnection: Error {}
