import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP exchange as the wire carried it.
struct HTTPExchange: Sendable {
    let status: Int
    /// Header fields by lower-cased name.
    let headers: [String: String]
    let body: Data
    /// False when the connection closed before `Content-Length` bytes arrived.
    let complete: Bool

    var json: JSON { JSON(data: body) }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A deliberately small HTTP/1.1 client over a loopback socket (one request per connection), so
/// tests see exactly what the server sent, including a body cut short by a dropped connection.
/// Blocking I/O runs on a dispatch queue, never on the Swift concurrency pool.
enum RawHTTP {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func send(port: Int, method: String, path: String, headers: [(String, String)], body: Data?) async throws -> HTTPExchange {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try exchange(port: port, method: method, path: path, headers: headers, body: body) })
            }
        }
    }

    /// A TCP connection to 127.0.0.1:`port` whose reads give up after `timeout` seconds.
    static func connect(port: Int, timeout: Int = 45) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
        return fd
    }

    private static func exchange(port: Int, method: String, path: String, headers: [(String, String)], body: Data?) throws -> HTTPExchange {
        let fd = try connect(port: port)
        defer { close(fd) }

        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var request = Data(head.utf8)
        if let body { request.append(body) }
        try request.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var sent = 0
            while sent < buffer.count {
                let written = Glibc.send(fd, base + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                guard written > 0 else { throw Failure(description: "send failed: errno \(errno)") }
                sent += written
            }
        }

        var received = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count > 0 {
                received.append(contentsOf: chunk[0..<count])
            } else if count == 0 || errno == ECONNRESET {
                break
            } else {
                throw Failure(description: "recv failed: errno \(errno)")
            }
        }
        return try parse(received)
    }

    private static func parse(_ data: Data) throws -> HTTPExchange {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else {
            throw Failure(description: "no complete response head in \(data.count) bytes")
        }
        let lines = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(data[split.upperBound...])
        var complete = true
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            (body, complete) = dechunk(body)
        } else if let length = headers["content-length"].flatMap(Int.init) {
            complete = body.count == length
        }
        return HTTPExchange(status: status, headers: headers, body: body, complete: complete)
    }

    private static func dechunk(_ data: Data) -> (Data, Bool) {
        var output = Data()
        var rest = data[...]
        while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText, radix: 16) else { return (output, false) }
            if size == 0 { return (output, true) }
            let start = lineEnd.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size + 2 else { return (output, false) }
            let end = rest.index(start, offsetBy: size)
            output.append(rest[start..<end])
            rest = rest[rest.index(end, offsetBy: 2)...]
        }
        return (output, false)
    }
}
