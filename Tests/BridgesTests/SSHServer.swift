import Commands
import Foundation

/// A real OpenSSH server on loopback, started once for the test run: its own host key, a client
/// key in `authorized_keys`, a known_hosts file holding the host key, and a remote `PATH` that
/// starts with `bin` (where tests put a fake `kubectl`). It stops when the test process ends.
final class SSHServer: @unchecked Sendable {
    /// The server, or why it could not start (a missing sshd fails the tests that need it).
    private static let shared: Result<SSHServer, SSHServerError> = Result { () throws(SSHServerError) -> SSHServer in try SSHServer() }

    /// The shared server, started on first use off the cooperative pool (starting it blocks).
    static func running() async throws -> SSHServer {
        try await offPool { try shared.get() }
    }

    let directory: TemporaryDirectory
    let port: Int
    let user: String
    let clientKey: String
    let knownHosts: String
    /// The first folder of the remote sessions' `PATH`.
    let remoteBin: String
    /// Keeps the watchdog's stdin open; when this process ends it closes and sshd is stopped.
    private let watchdogInput: FileHandle
    private let watchdog: Process

    static let sshdPath = "/usr/sbin/sshd"

    private init() throws(SSHServerError) {
        guard FileManager.default.isExecutableFile(atPath: Self.sshdPath) else {
            throw SSHServerError("sshd is not installed (\(Self.sshdPath) is missing): run scripts/setup, which installs openssh-server")
        }
        do {
            directory = try TemporaryDirectory("sshd")
            let dir = directory.path
            for key in ["host_key", "client_key"] {
                let keygen = try runDirect([
                    "/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ars-test-\(key)", "-f", "\(dir)/\(key)",
                ])
                guard keygen.status == 0 else {
                    throw SSHServerError("ssh-keygen failed for \(key): \(String(decoding: keygen.stderr, as: UTF8.self))")
                }
            }
            clientKey = dir + "/client_key"
            _ = try directory.file("authorized_keys", try String(contentsOfFile: dir + "/client_key.pub", encoding: .utf8))
            remoteBin = dir + "/bin"
            try FileManager.default.createDirectory(atPath: remoteBin, withIntermediateDirectories: true)
            try directory.executable("bin/kubectl", fakeKubectl)
            user = String(cString: getpwuid(getuid())!.pointee.pw_name)
            port = try freePort()

            let config = try directory.file(
                "sshd_config",
                """
                ListenAddress 127.0.0.1
                Port \(port)
                HostKey \(dir)/host_key
                AuthorizedKeysFile \(dir)/authorized_keys
                PidFile \(dir)/sshd.pid
                UsePAM no
                StrictModes no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                PermitRootLogin prohibit-password
                MaxStartups 200:30:400
                MaxSessions 100
                # The cheapest key exchange: many connections run alongside other tests.
                KexAlgorithms curve25519-sha256
                SetEnv PATH=\(remoteBin):/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8

                """)
            if getuid() == 0, !FileManager.default.fileExists(atPath: "/run/sshd") {
                try FileManager.default.createDirectory(
                    atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            }
            let check = try runDirect([Self.sshdPath, "-t", "-f", config])
            guard check.status == 0 else {
                throw SSHServerError("sshd rejected its test configuration: \(String(decoding: check.stderr, as: UTF8.self))")
            }

            // sshd in the background of a shell that kills it when its stdin (held by this
            // process) reaches end of file: no sshd outlives the test run.
            let log = dir + "/sshd.log"
            watchdog = Process()
            watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
            watchdog.arguments = ["-c", "\"$0\" -D -e -f \"$1\" 2>>\"$2\" & pid=$!; read _; kill $pid", Self.sshdPath, config, log]
            let input = Pipe()
            watchdog.standardInput = input
            watchdog.standardOutput = FileHandle.nullDevice
            watchdog.standardError = FileHandle.nullDevice
            try watchdog.run()
            watchdogInput = input.fileHandleForWriting

            let deadline = Date().addingTimeInterval(15)
            var listening = false
            while Date() < deadline {
                if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("Server listening on 127.0.0.1 port \(port)")
                {
                    listening = true
                    break
                }
                usleep(20_000)
            }
            guard listening else {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw SSHServerError("sshd did not start listening on 127.0.0.1:\(port) within 15 s; its log:\n\(text)")
            }
            let hostKey = try String(contentsOfFile: dir + "/host_key.pub", encoding: .utf8)
            knownHosts = try directory.file("known_hosts", "[127.0.0.1]:\(port) \(hostKey)")
        } catch let error as SSHServerError {
            throw error
        } catch {
            throw SSHServerError("cannot set up the test sshd: \(error)")
        }
    }

    /// A node reaching this server through the ssh bridge.
    func node(_ name: String = "loopback", port: Int? = nil, knownHosts: String? = nil, kubeconfig: String? = nil, timeout: Int? = nil)
        -> NodeSettings
    {
        NodeSettings(
            name: name,
            bridge: BridgeSettings(
                kind: .ssh, host: "127.0.0.1", user: user, port: port ?? self.port, identityFile: clientKey,
                knownHostsFile: knownHosts ?? self.knownHosts, kubeconfig: kubeconfig, timeout: timeout))
    }

    /// The environment the ssh client runs with.
    var environment: [String: String] {
        ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": directory.path, "LANG": "C.UTF-8"]
    }
}

struct SSHServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A loopback TCP port nothing listens on right now.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SSHServerError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw SSHServerError("bind() failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
