import Foundation

/// `openssl s_server` on 127.0.0.1 with a freshly made self-signed certificate: a real TLS peer
/// whose certificate no trust store accepts, to show that verification is on.
final class SelfSignedTLSServer: Sendable {
    /// Where the tool lives; the tests that need it are skipped without it.
    static let openssl = "/usr/bin/openssl"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: openssl) }

    let port: Int
    private let process: Process
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ars-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = directory.appendingPathComponent("key.pem").path
        let certificate = directory.appendingPathComponent("cert.pem").path
        try Self.run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=127.0.0.1", "-days", "1", "-keyout", key, "-out", certificate,
        ])
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.openssl)
        process.arguments = ["s_server", "-accept", "127.0.0.1:0", "-cert", certificate, "-key", key, "-www"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        port = try Self.acceptedPort(from: output.fileHandleForReading)
    }

    deinit {
        // SIGKILL: a SIGTERM can be ignored (an ignored disposition is inherited from the runner).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Reads s_server's `ACCEPT 127.0.0.1:PORT` line.
    private static func acceptedPort(from handle: FileHandle) throws -> Int {
        var text = ""
        while true {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { throw LoopbackSocket.Failure(description: "openssl s_server ended: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT ") }),
                let port = line.split(separator: ":").last.flatMap({ Int($0) })
            {
                return port
            }
        }
    }

    private static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw LoopbackSocket.Failure(description: "openssl \(arguments.first ?? "") exited with \(process.terminationStatus)")
        }
    }
}
