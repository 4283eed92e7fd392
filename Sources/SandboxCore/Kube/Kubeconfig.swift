#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The kubeconfig `ars-sandbox` writes on every start (`<state>/kubeconfig`, mode 0600): one
/// cluster, user and context, all named `sandbox`, with `default` as the namespace.
///
/// The server URL carries this start's random token as its last path segment
/// (`http://127.0.0.1:PORT/k8s/<token>`): kubectl (client-go) sends bearer tokens only over
/// TLS, so over the sandbox's plain-HTTP loopback listener the token travels in the path. The
/// user entry holds the same token for clients that send `Authorization: Bearer`.
enum Kubeconfig {
    /// 40 random hex digits.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    static func text(port: Int, token: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: sandbox
          cluster:
            server: http://127.0.0.1:\(port)\(KubeAPI.prefix)/\(token)
        users:
        - name: sandbox
          user:
            token: "\(token)"
        contexts:
        - name: sandbox
          context:
            cluster: sandbox
            user: sandbox
            namespace: default
        current-context: sandbox
        preferences: {}

        """
    }

    /// Writes the file with mode 0600 from its first byte (a temporary file renamed into place).
    static func write(to path: String, port: Int, token: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw KubeconfigError(message: "cannot create \(temporary): errno \(errno)") }
        let bytes = Array(text(port: port, token: token).utf8)
        let written = bytes.withUnsafeBytes { buffer in
            #if canImport(Glibc)
                Glibc.write(descriptor, buffer.baseAddress, buffer.count)
            #else
                Darwin.write(descriptor, buffer.baseAddress, buffer.count)
            #endif
        }
        fchmod(descriptor, 0o600)
        close(descriptor)
        guard written == bytes.count else {
            unlink(temporary)
            throw KubeconfigError(message: "cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw KubeconfigError(message: "cannot move the kubeconfig into \(path): errno \(errno)")
        }
    }
}

struct KubeconfigError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
