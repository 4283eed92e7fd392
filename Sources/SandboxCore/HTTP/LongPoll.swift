import Hummingbird

/// Answers for event and log streams: one page, or with `follow=true` a long-poll that returns
/// as soon as there is an item past `afterSeq`, the stream is terminal, or `waitMs` passes.
extension SandboxAPI {
    /// Serves one stream request; `fetch` reads the page.
    func stream<Page: StreamPage>(
        _ request: Request, _ context: SandboxRequestContext, fetch: () async throws -> Page
    ) async throws -> Response {
        guard try RequestReading.flag("follow", request) else { return try reply(page: try await fetch(), context) }
        let deadline = ContinuousClock.now + .milliseconds(try RequestReading.waitMilliseconds(request))
        var page: Page
        while true {
            let seen = await notifier.generation
            page = try await fetch()
            let remaining = deadline - ContinuousClock.now
            let shuttingDown = await notifier.isShutDown
            if !page.isEmpty || page.terminal || remaining <= .zero || shuttingDown { break }
            await notifier.wait(after: seen, timeout: remaining)
        }
        if await faults.takeDropFollow() { return try droppedMidBody(page, context) }
        return try reply(page: page, context)
    }

    private func reply(page: some StreamPage, _ context: SandboxRequestContext) throws -> Response {
        Response(
            status: .ok, headers: Envelope.headers(requestId: context.requestId),
            body: .init(byteBuffer: try page.envelope(requestId: context.requestId)))
    }

    /// The drop-follow fault: announces the full length, sends half the body, then fails the
    /// write so the server closes the connection. Nothing is consumed: the client resumes from
    /// the same `afterSeq`.
    private func droppedMidBody(_ page: some StreamPage, _ context: SandboxRequestContext) throws -> Response {
        let bytes = try page.envelope(requestId: context.requestId)
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

/// A page of a sequence-numbered stream as the long-poll serves it.
protocol StreamPage: Sendable {
    var isEmpty: Bool { get }
    var terminal: Bool { get }
    /// The whole success envelope, encoded.
    func envelope(requestId: String) throws -> ByteBuffer
}

extension SeqPage: StreamPage {
    var isEmpty: Bool { items.isEmpty }

    func envelope(requestId: String) throws -> ByteBuffer { try Envelope.encodeSuccess(self, requestId: requestId) }
}

/// A `SeqPage` whose items are the stored JSON documents, spliced into the envelope as they are
/// instead of decoded and encoded again (a run's events are read 200 at a time, 100 000 per
/// run in the benchmarks). The bytes are what `SeqPage` would encode: the documents were written
/// by the same encoder (sorted keys), and the envelope's keys are in the same sorted order.
struct StoredSeqPage: StreamPage {
    var documents: [String]
    var nextAfterSeq: Int64
    var terminal: Bool

    var isEmpty: Bool { documents.isEmpty }

    func envelope(requestId: String) throws -> ByteBuffer {
        let id = String(decoding: try JSONCoding.encoder.encode(requestId), as: UTF8.self)
        let text =
            #"{"data":{"items":["# + documents.joined(separator: ",")
            + #"],"nextAfterSeq":\#(nextAfterSeq),"terminal":\#(terminal)},"ok":true,"requestId":\#(id)}"#
        return ByteBuffer(string: text)
    }
}
