import Foundation

/// The sandbox's private certificate authority and the probe target's leaf certificate (SAN
/// `IP:127.0.0.1` and `DNS:codeload.github.com`), made once with the `openssl` CLI and kept in
/// `<state>/egress/` (keys mode 0600), so a restarted sandbox serves the same CA.
struct EgressPKI: Sendable {
    /// The CA certificate a client trusts (`curl --cacert`).
    let caFile: String
    /// The target's certificate and key (`openssl s_server -cert … -key …`).
    let leafFile: String
    let leafKeyFile: String

    /// The names the leaf certificate is valid for.
    static let subjectAltName = "IP:127.0.0.1,DNS:codeload.github.com"

    /// Reuses the files in `directory` when all are there, else makes new ones (in a scratch
    /// folder first, so an interrupted start never leaves a half-made set behind).
    static func ensure(in directory: URL, openssl: String) throws -> EgressPKI {
        let names = ["ca.key", "ca.pem", "leaf.key", "leaf.pem"]
        let pki = EgressPKI(
            caFile: directory.appendingPathComponent("ca.pem").path, leafFile: directory.appendingPathComponent("leaf.pem").path,
            leafKeyFile: directory.appendingPathComponent("leaf.key").path)
        let manager = FileManager.default
        if names.allSatisfy({ manager.fileExists(atPath: directory.appendingPathComponent($0).path) }) { return pki }

        let scratch = directory.appendingPathComponent("pki.tmp", isDirectory: true)
        try? manager.removeItem(at: scratch)
        try manager.createDirectory(at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? manager.removeItem(at: scratch) }
        let log = directory.appendingPathComponent("openssl-pki.log")
        func path(_ name: String) -> String { scratch.appendingPathComponent(name).path }
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run(
            openssl,
            ["req", "-x509"] + curve + [
                "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "3650", "-subj", "/CN=ars-sandbox egress CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ], log: log)
        try run(
            openssl,
            ["req", "-new"] + curve + ["-keyout", path("leaf.key"), "-out", path("leaf.csr"), "-subj", "/CN=codeload.github.com"],
            log: log)
        let extensions = """
            subjectAltName=\(subjectAltName)
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            subjectKeyIdentifier=hash
            authorityKeyIdentifier=keyid,issuer

            """
        try Data(extensions.utf8).write(to: URL(fileURLWithPath: path("leaf.ext")))
        // A random positive 128-bit serial.
        let serial =
            "0x" + (0..<16).map { String(format: "%02x", $0 == 0 ? UInt8.random(in: 1...0x7f) : UInt8.random(in: 0...0xff)) }.joined()
        try run(
            openssl,
            [
                "x509", "-req", "-in", path("leaf.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-set_serial", serial, "-days",
                "825", "-extfile", path("leaf.ext"), "-out", path("leaf.pem"),
            ], log: log)
        for name in ["ca.key", "leaf.key"] { try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path(name)) }
        // leaf.pem last: its presence means the set is whole.
        for name in ["ca.key", "ca.pem", "leaf.key", "leaf.pem"] {
            let target = directory.appendingPathComponent(name)
            try? manager.removeItem(at: target)
            try manager.moveItem(at: URL(fileURLWithPath: path(name)), to: target)
        }
        return pki
    }

    /// Runs `openssl` to completion, its output appended to `log`; throws when it fails.
    private static func run(_ executable: String, _ arguments: [String], log: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let output = try EgressProcess.appending(to: log)
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw EgressError(
                "`openssl \(arguments.prefix(2).joined(separator: " "))` failed (exit \(process.terminationStatus)); see \(log.path)")
        }
    }
}

/// Why an egress endpoint could not be set up or started.
struct EgressError: Error, CustomStringConvertible, Sendable {
    let description: String
    init(_ description: String) { self.description = description }
}
