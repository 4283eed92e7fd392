import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The lane's public HTTPS edge, as on a real deployment's edge node: a real Caddy (a child
/// process, `caddy run --config <state>/edge/Caddyfile`) with its admin API and internal CA on
/// loopback, an empty `sites/` folder and FRP allow-list for `control-plane expose` to fill, then
/// `caddy validate` and `caddy reload --address <admin>`.
///
/// The process is started like the egress children (`EgressProcess`): from the long-lived spawner
/// thread through `setpriv --pdeathsig KILL`, so it dies with the sandbox however the sandbox
/// ends; a graceful shutdown sends SIGTERM (Caddy's Go runtime handles it even though the
/// sandbox ignores it) and SIGKILL after a grace period.
///
/// Ports: picked free on 127.0.0.1 (bound to port 0, read, released), so another process can take
/// one before Caddy binds it; the start then fails and is tried again with new ports (three
/// times). The ports of the last start (`ports.json`) are reused when nothing listens on them, so
/// a restart on the same state keeps `https://<host>:<httpsPort>` and the site files valid.
actor SandboxEdge {
    /// What the listening line announces under `"edge"`.
    struct Announcement: Sendable {
        var caddyfile: String
        var sitesDirectory: String
        var admin: String
        var httpsPort: Int
        var caRoot: String
        var allowPortsFile: String
        var host: String
    }

    nonisolated let layout: EdgeLayout
    nonisolated let ports: EdgePorts
    private let logger: Logger
    private var process: Process?

    nonisolated var announcement: Announcement {
        Announcement(
            caddyfile: layout.caddyfile.path, sitesDirectory: layout.sitesDirectory.path, admin: "127.0.0.1:\(ports.admin)",
            httpsPort: ports.https, caRoot: layout.caRoot.path, allowPortsFile: layout.allowPortsFile.path, host: EdgeLayout.publicHost)
    }

    private init(layout: EdgeLayout, ports: EdgePorts, logger: Logger) {
        self.layout = layout
        self.ports = ports
        self.logger = logger
    }

    /// Prepares `<state>/edge/`, starts Caddy and waits until its admin API answers, its HTTPS
    /// port accepts and the CA root exists. Nil (with a warning) when `caddy` is not on PATH or
    /// does not start: the rest of the sandbox works without it.
    static func start(stateDirectory: URL, logger: Logger) async -> SandboxEdge? {
        let path = ProcessInfo.processInfo.environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
        guard let caddy = GitProcess.locate("caddy", in: path) else {
            logger.warning("no edge: caddy not found on PATH (\(path))")
            return nil
        }
        let layout = EdgeLayout(stateDirectory: stateDirectory)
        do {
            try prepare(layout)
        } catch {
            logger.warning("no edge: cannot prepare \(layout.directory.path): \(error)")
            return nil
        }
        var failure: Error?
        var previous = (try? Data(contentsOf: layout.portsFile)).flatMap { try? JSONDecoder().decode(EdgePorts.self, from: $0) }
        for _ in 0..<3 {
            do {
                let ports = try choosePorts(reusing: previous)
                if let previous, ports != previous {
                    logger.notice(
                        "edge: the ports of the last start (\(previous.admin), \(previous.http), \(previous.https)) are not free; new ports"
                    )
                }
                previous = nil
                let edge = SandboxEdge(layout: layout, ports: ports, logger: logger)
                try await edge.launch(caddy: caddy)
                return edge
            } catch {
                logger.notice("edge: caddy did not start (\(error)); trying new ports")
                failure = error
            }
        }
        logger.warning("no edge: \(failure.map { "\($0)" } ?? "")")
        return nil
    }

    /// Stops Caddy: SIGTERM, then SIGKILL if it has not ended within 5 seconds.
    func shutdown() async {
        guard let process else { return }
        self.process = nil
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning { await EgressProcess.stop(process) }
    }

    // MARK: - Start

    /// Makes the folders (0700) and the allow-list (0600) when missing; existing site files and
    /// allow-list lines are kept.
    private static func prepare(_ layout: EdgeLayout) throws {
        let files = FileManager.default
        for folder in [layout.directory, layout.sitesDirectory, layout.dataHome, layout.configHome] {
            try files.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: layout.directory.path)
        if !files.fileExists(atPath: layout.allowPortsFile.path) {
            guard files.createFile(atPath: layout.allowPortsFile.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw EgressError("cannot create \(layout.allowPortsFile.path)")
            }
        }
    }

    /// `previous` when all three are distinct and nothing listens on them, else three new free ports.
    private static func choosePorts(reusing previous: EdgePorts?) throws -> EdgePorts {
        if let previous, Set([previous.admin, previous.http, previous.https]).count == 3,
            [previous.admin, previous.http, previous.https].allSatisfy({ $0 > 0 && !EgressProcess.accepts(port: $0) })
        {
            return previous
        }
        var chosen: [Int] = []
        while chosen.count < 3 {
            let port = try EgressProcess.freePort()
            if !chosen.contains(port) { chosen.append(port) }
        }
        return EdgePorts(admin: chosen[0], http: chosen[1], https: chosen[2])
    }

    /// Writes the Caddyfile and `ports.json`, starts `caddy run` and waits until it is ready.
    private func launch(caddy: String) async throws {
        try Data(layout.caddyfileText(ports).utf8).write(to: layout.caddyfile)
        try JSONEncoder().encode(ports).write(to: layout.portsFile)
        let command = EgressProcess.commandLine(caddy, ["run", "--config", layout.caddyfile.path, "--adapter", "caddyfile"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command.executable)
        process.arguments = command.arguments
        process.environment = layout.environment(inheriting: ProcessInfo.processInfo.environment)
        process.currentDirectoryURL = layout.directory
        process.standardInput = FileHandle.nullDevice
        let output = try EgressProcess.appending(to: layout.log)
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        try await EgressProcess.launch(process)
        self.process = process
        do {
            try await waitUntilReady(process)
        } catch {
            await shutdown()
            throw error
        }
        logger.info(
            "edge: caddy serving https on 127.0.0.1:\(ports.https), admin 127.0.0.1:\(ports.admin) (pid \(process.processIdentifier)); CA root \(layout.caRoot.path)"
        )
    }

    /// Waits until the admin API answers `GET /config/` with 200, the HTTPS port accepts and the
    /// CA root file exists (Caddy writes it when the placeholder site first needs a certificate).
    private func waitUntilReady(_ process: Process, timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let admin = Self.adminAnswers(port: ports.admin)
            let https = EgressProcess.accepts(port: ports.https)
            let root = FileManager.default.fileExists(atPath: layout.caRoot.path)
            if admin && https && root { return }
            if !process.isRunning {
                let tail = (try? String(contentsOf: layout.log, encoding: .utf8)).map { String($0.suffix(600)) } ?? ""
                throw EgressError("caddy exited (status \(process.terminationStatus)) before it was ready: \(tail)")
            }
            if ContinuousClock.now >= deadline {
                let missing = [
                    admin ? nil : "the admin API on 127.0.0.1:\(ports.admin) did not answer",
                    https ? nil : "nothing listened on 127.0.0.1:\(ports.https)",
                    root ? nil : "the CA root \(layout.caRoot.path) did not appear",
                ].compactMap { $0 }
                throw EgressError("caddy was not ready within \(timeout): \(missing.joined(separator: "; ")) (see \(layout.log.path))")
            }
            try? await Task.sleep(for: .milliseconds(25))
        }
    }

    /// Whether `GET http://127.0.0.1:<port>/config/` answers 200 within a second.
    static func adminAnswers(port: Int) -> Bool {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /config/ HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return false }
        var reply = [UInt8](repeating: 0, count: 32)
        let count = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        let statusLine = String(decoding: reply[..<count], as: UTF8.self)
        return statusLine.hasPrefix("HTTP/1.1 200") || statusLine.hasPrefix("HTTP/1.0 200")
    }

    #if canImport(Glibc)
        private static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
        private static let streamType = SOCK_STREAM
    #endif
}
