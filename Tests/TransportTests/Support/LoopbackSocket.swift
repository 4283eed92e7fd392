import Foundation
import Glibc

/// POSIX socket helpers for the loopback test servers.
enum LoopbackSocket {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A TCP socket listening on 127.0.0.1 with an ephemeral port, and that port.
    static func listen(backlog: Int32) throws -> (socket: Int32, port: Int) {
        let (socket, port) = try bound()
        guard Glibc.listen(socket, backlog) == 0 else {
            close(socket)
            throw Failure(description: "listen: \(String(cString: strerror(errno)))")
        }
        return (socket, port)
    }

    /// A TCP socket bound to 127.0.0.1 with an ephemeral port, and that port.
    static func bound() throws -> (socket: Int32, port: Int) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(socket)
            throw Failure(description: "bind: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return (socket, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Starts a non-blocking connect to 127.0.0.1:port and returns the socket.
    static func connectNonBlocking(port: Int) -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        var address = loopback(port: port)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return socket
    }

    /// Writes all of `data`; false when the peer has gone. Never raises SIGPIPE.
    @discardableResult
    static func send(_ socket: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let sent = Glibc.send(socket, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 && errno == EINTR { continue }
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// A port where connections hang: a listener with a zero backlog whose queue is already full,
/// so the kernel drops further SYNs and a client's connect never completes (until it times out).
final class StalledListener: Sendable {
    let port: Int
    private let sockets: [Int32]

    init() throws {
        let (listener, port) = try LoopbackSocket.listen(backlog: 0)
        self.port = port
        let fillers = (0..<2).map { _ in LoopbackSocket.connectNonBlocking(port: port) }
        usleep(50_000)
        sockets = [listener] + fillers
    }

    deinit {
        for socket in sockets { close(socket) }
    }
}

/// A loopback port that refuses connections: bound but not listening, and held for the object's
/// lifetime so no one else can take it meanwhile.
final class RefusingPort: Sendable {
    let port: Int
    private let socket: Int32

    init() throws {
        (socket, port) = try LoopbackSocket.bound()
    }

    deinit {
        close(socket)
    }
}
