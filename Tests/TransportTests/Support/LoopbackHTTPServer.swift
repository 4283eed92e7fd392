import Commands
import Foundation
import Glibc
import Synchronization

/// One request as the test server received it.
struct ReceivedRequest: Sendable {
    var method: String
    /// The request target as sent: a path, or an absolute URL when the server acts as a proxy.
    var target: String
    var headers: [HTTPHeader]
    var body: Data
    /// The serial number (from 1) of the TCP connection the request came on.
    var connection: Int

    /// The first header with this name, compared case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A small HTTP/1.1 keep-alive server on 127.0.0.1 with an ephemeral port: one thread per
/// connection, `TCP_NODELAY`, Content-Length framing. It records every request it receives.
///
/// What it does depends on the path:
/// - `/status/N` answers status N (body `status N`);
/// - `/delay/MS` waits MS milliseconds, then echoes;
/// - `/truncate` promises 100 body bytes, sends 10 and closes the connection;
/// - `/drop` closes the connection without answering;
/// - `/hold` never answers, until the client goes away or the server stops;
/// - anything else echoes: status 200, the request's body, `X-Echo-Method` and `X-Connection`
///   (the connection's serial number).
final class LoopbackHTTPServer: Sendable {
    /// The port the server listens on.
    let port: Int
    private let listener: Int32
    private let state = Mutex(State())

    private struct State {
        var requests: [ReceivedRequest] = []
        var connections = 0
        var openSockets: Set<Int32> = []
        var stopped = false
    }

    /// `http://127.0.0.1:PORT`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request received so far, in order.
    var requests: [ReceivedRequest] { state.withLock { $0.requests } }

    /// How many TCP connections were accepted so far.
    var connectionCount: Int { state.withLock { $0.connections } }

    // MARK: - Lifecycle

    /// Binds, listens and starts accepting on a background thread.
    init() throws {
        let (listener, port) = try LoopbackSocket.listen(backlog: 128)
        self.listener = listener
        self.port = port
        Thread { [self] in acceptLoop() }.start()
    }

    /// Stops accepting and closes every open connection; threads end on their own. Only the first
    /// call acts (the listener's descriptor is closed afterwards and may be reused).
    func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            for socket in state.openSockets { shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    // MARK: - Connections

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let socket = accept(listener, nil, nil)
            if socket < 0 {
                if errno == EINTR { continue }
                return
            }
            var one: Int32 = 1
            setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let serial: Int? = state.withLock { state in
                guard !state.stopped else { return nil }
                state.connections += 1
                state.openSockets.insert(socket)
                return state.connections
            }
            guard let serial else {
                close(socket)
                return
            }
            Thread { [self] in serve(socket, serial: serial) }.start()
        }
    }

    /// Answers requests on one connection until either side closes it.
    private func serve(_ socket: Int32, serial: Int) {
        defer {
            state.withLock { _ = $0.openSockets.remove(socket) }
            close(socket)
        }
        var reader = RequestReader(socket: socket)
        while let request = reader.next(connection: serial) {
            state.withLock { $0.requests.append(request) }
            guard respond(to: request, on: socket) else { return }
        }
    }

    /// Carries out the path's behaviour; returns whether the connection stays open.
    private func respond(to request: ReceivedRequest, on socket: Int32) -> Bool {
        let path = request.target.split(separator: "?").first.map(String.init) ?? request.target
        let parts = path.split(separator: "/").map(String.init)
        let closing = request.header("Connection")?.lowercased() == "close"
        switch (parts.first, parts.count) {
        case ("status", 2):
            let status = Int(parts[1]) ?? 500
            return write(socket, status: status, body: Data("status \(status)".utf8), head: request.method == "HEAD", closing: closing)
        case ("delay", 2):
            usleep(UInt32(Int(parts[1]) ?? 0) * 1000)
            return echo(request, on: socket, closing: closing)
        case ("truncate", 1):
            LoopbackSocket.send(socket, Data("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789".utf8))
            return false
        case ("drop", 1):
            return false
        case ("hold", 1):
            var byte: UInt8 = 0
            while recv(socket, &byte, 1, 0) > 0 {}
            return false
        default:
            return echo(request, on: socket, closing: closing)
        }
    }

    private func echo(_ request: ReceivedRequest, on socket: Int32, closing: Bool) -> Bool {
        write(
            socket, status: 200, headers: [("X-Echo-Method", request.method), ("X-Connection", "\(request.connection)")],
            body: request.body, head: request.method == "HEAD", closing: closing)
    }

    /// Sends a complete response; returns whether the connection stays open.
    private func write(_ socket: Int32, status: Int, headers: [(String, String)] = [], body: Data, head: Bool, closing: Bool) -> Bool {
        var text = "HTTP/1.1 \(status) \(status < 400 ? "OK" : "Error")\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if closing { text += "Connection: close\r\n" }
        text += "\r\n"
        let sent = LoopbackSocket.send(socket, Data(text.utf8) + (head ? Data() : body))
        return sent && !closing
    }
}

// MARK: - Reading requests

/// Reads requests off a connection: the head up to the blank line, then Content-Length bytes.
private struct RequestReader {
    let socket: Int32
    private var buffer: [UInt8] = []

    init(socket: Int32) {
        self.socket = socket
    }

    /// The next request, or nil when the connection closed or sent something other than HTTP
    /// (such as a TLS handshake, which is then refused by closing).
    mutating func next(connection: Int) -> ReceivedRequest? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while true {
            if let first = buffer.first, !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) { return nil }
            if let end = find(separator) {
                headEnd = end
                break
            }
            guard fill() else { return nil }
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + separator.count)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ").map(String.init)
        guard requestLine.count == 3 else { return nil }
        let headers = lines.compactMap { line -> HTTPHeader? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return HTTPHeader(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        while buffer.count < length {
            guard fill() else { return nil }
        }
        let body = Data(buffer[..<length])
        buffer.removeFirst(length)
        return ReceivedRequest(method: requestLine[0], target: requestLine[1], headers: headers, body: body, connection: connection)
    }

    private func find(_ separator: [UInt8]) -> Int? {
        guard buffer.count >= separator.count else { return nil }
        return (0...(buffer.count - separator.count)).first { buffer[$0..<($0 + separator.count)].elementsEqual(separator) }
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let count = recv(socket, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }
}
