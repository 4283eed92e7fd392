import Foundation
import Testing

/// The standalone sandbox keeps what a local user could abuse to themselves: its state (the
/// cluster's Secrets, the kubeconfig's token) is the user's alone, and a connection that never
/// sends its headers is closed instead of holding the server.
@Suite("Sandbox boundaries")
struct BoundaryTests {
    @Test("ars-sandbox --state DIR: the folder is 0700 and every file it creates there is readable by the user alone")
    func stateIsPrivate() async throws {
        let sandbox = try await SandboxInstance()
        let state = sandbox.stateDirectory.path
        let folderMode = try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
        var checked = 0
        let walker = try #require(FileManager.default.enumerator(atPath: state))
        for case let relative as String in walker where relative != "stderr.log" {
            let attributes = try FileManager.default.attributesOfItem(atPath: state + "/" + relative)
            guard attributes[.type] as? FileAttributeType != .typeSymbolicLink, let mode = attributes[.posixPermissions] as? Int else {
                continue
            }
            #expect(mode & 0o077 == 0, "\(relative) has mode \(String(mode, radix: 8))")
            checked += 1
        }
        #expect(checked > 10, "the databases, the kubeconfig and the git repositories were checked")
        #expect(FileManager.default.fileExists(atPath: state + "/kubeconfig"))
        #expect(await sandbox.stop() == 0)
    }

    @Test("a connection whose headers never finish is closed after --header-timeout, and the server keeps serving")
    func halfOpenConnectionsAreClosed() async throws {
        let sandbox = try await SandboxInstance(extraArguments: ["--header-timeout", "1"])
        let port = sandbox.port
        let closedAfter = try await Task.detached { () throws -> Double? in
            let fd = try RawHTTP.connect(port: port, timeout: 10)
            defer { close(fd) }
            let partial = "GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            _ = partial.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            let started = Date()
            var byte: UInt8 = 0
            let count = recv(fd, &byte, 1, 0)
            return count == 0 || (count < 0 && errno == ECONNRESET) ? Date().timeIntervalSince(started) : nil
        }.value
        let seconds = try #require(closedAfter, "the server never closed the half-open connection")
        #expect(seconds >= 0.5)
        let health = try await RawHTTP.send(port: port, method: "GET", path: "/api/v1/healthz", headers: [], body: nil)
        #expect(health.status == 200)
        #expect(await sandbox.stop() == 0)
    }
}
