import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Starting, probing and stopping the egress child processes (`tinyproxy`, `openssl s_server`).
///
/// The children must not outlive the sandbox, however it ends. A graceful shutdown stops them;
/// against SIGKILL or a crash, each child is started through `setpriv --pdeathsig KILL` (Linux),
/// so the kernel kills it when the sandbox dies. Linux sends that signal when the *thread* that
/// started the child ends, and the concurrency pool's threads come and go: every child is
/// therefore started from one thread that lives as long as the process. The children also stay
/// in the sandbox's process group (which `ars --sandbox` stops as one).
enum EgressProcess {
    /// Starts `process` from the long-lived spawner thread.
    static func launch(_ process: Process) async throws {
        let box = UncheckedBox(process)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            Spawner.shared.submit {
                do {
                    try box.value.run()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// `[executable] + arguments`, wrapped in `setpriv --pdeathsig KILL` when it is installed.
    static func commandLine(_ executable: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        let path = ProcessInfo.processInfo.environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
        #if os(Linux)
            if let setpriv = GitProcess.locate("setpriv", in: path) {
                return (setpriv, ["--pdeathsig", "KILL", "--", executable] + arguments)
            }
        #endif
        return (executable, arguments)
    }

    /// Kills `process` and returns once it has ended. SIGKILL, not SIGTERM: the children inherit
    /// the sandbox's ignored SIGTERM and SIGINT (its graceful shutdown handles them itself), and
    /// neither tinyproxy nor s_server keeps anything worth a clean exit.
    static func stop(_ process: Process) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// Waits until 127.0.0.1:`port` accepts connections; throws when `process` ends first or
    /// `timeout` passes.
    static func waitUntilListening(port: Int, process: Process, name: String, log: URL, timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if accepts(port: port) { return }
            if !process.isRunning {
                let tail = (try? String(contentsOf: log, encoding: .utf8)).map { String($0.suffix(400)) } ?? ""
                throw EgressError("\(name) exited (status \(process.terminationStatus)) before listening on port \(port): \(tail)")
            }
            if ContinuousClock.now >= deadline { throw EgressError("\(name) did not listen on port \(port) within \(timeout)") }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// A TCP port on 127.0.0.1 that is free right now (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw EgressError("cannot open a socket: errno \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw EgressError("cannot bind a socket on 127.0.0.1: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw EgressError("cannot read a socket's port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether a TCP connection to 127.0.0.1:`port` succeeds (it is closed at once).
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// A file handle appending to `url` (created if missing).
    static func appending(to url: URL) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw EgressError("cannot create \(url.path)")
            }
        }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        return handle
    }

    #if canImport(Glibc)
        private static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
        private static let streamType = SOCK_STREAM
    #endif

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        return address
    }

    /// One thread, alive as long as the process, that runs the jobs it is given in order.
    private final class Spawner: @unchecked Sendable {
        static let shared = Spawner()
        private let condition = NSCondition()
        private var jobs: [() -> Void] = []

        private init() {
            let thread = Thread { [self] in loop() }
            thread.name = "ars-sandbox.egress-spawner"
            thread.start()
        }

        func submit(_ job: @escaping () -> Void) {
            condition.lock()
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }

        private func loop() {
            while true {
                condition.lock()
                while jobs.isEmpty { condition.wait() }
                let job = jobs.removeFirst()
                condition.unlock()
                job()
            }
        }
    }

    private final class UncheckedBox<T>: @unchecked Sendable {
        let value: T
        init(_ value: T) { self.value = value }
    }
}
