import FoundationEssentials

/// The API key and where it came from. The key itself is never printed: only `source` and
/// `redactedPrefix` may appear in output.
public struct Credentials: Sendable {
    let key: String
    /// `$HWLAB_API_KEY` or `key file ~/.config/hwlab/api-key`.
    public let source: String

    /// The first four characters and the length, e.g. `sk-a… (40 chars)`.
    public var redactedPrefix: String { "\(key.prefix(4))… (\(key.count) chars)" }

    /// Finds the key as the seed prescribes: the environment variable named in the catalogue
    /// (default `HWLAB_API_KEY`), then the catalogue's key file. Registers it with the session so
    /// no output can carry it.
    public static func discover(in session: Session, auth: AuthSettings) throws(ArsError) -> Credentials {
        if let value = session.environment[auth.apiKeyEnv]?.trimmingASCIIWhitespace(), !value.isEmpty {
            session.registerSecret(value)
            return Credentials(key: value, source: "$\(auth.apiKeyEnv)")
        }
        if session.isReplaying {
            return Credentials(key: "", source: "replay (no key is sent)")
        }
        let howTo = "export \(auth.apiKeyEnv)=…" + (auth.apiKeyFile.map { ", or write the key to \($0) with mode 0600" } ?? "")
        guard let file = auth.apiKeyFile else {
            throw ArsError.invalidInput(
                .noApiKey, "no API key: $\(auth.apiKeyEnv) is not set and the catalogue names no key file", hint: howTo)
        }
        let path = session.expandingTilde(file)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ArsError.invalidInput(.noApiKey, "no API key: $\(auth.apiKeyEnv) is not set and \(file) cannot be read", hint: howTo)
        }
        let key = String(decoding: data, as: UTF8.self).trimmingASCIIWhitespace()
        guard !key.isEmpty else {
            throw ArsError.invalidInput(.noApiKey, "the key file \(file) is empty", hint: howTo)
        }
        // One key, alone: a file of several lines or of URLs (`~/.git-credentials`) is some
        // other credential store, and nothing of it is sent.
        guard !key.contains(where: \.isWhitespace), !key.contains("://"), !key.contains("@") else {
            throw ArsError.invalidInput(
                .apiKeyFile,
                "the key file \(file) does not hold one API key alone (it has several words, a URL or an '@'); nothing was sent",
                hint: "auth.apiKeyFile must name a file holding only the AgentRun API key; " + howTo)
        }
        session.registerSecret(key)
        if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            session.warn("key file \(file) is readable by group or others (mode \(String(mode, radix: 8))); run: chmod 600 \(file)")
        }
        return Credentials(key: key, source: "key file \(file)")
    }
}

extension Session {
    /// A local path from the catalogue with a leading `~/` made the user's home (`$HOME`).
    public func expandingTilde(_ path: String) -> String {
        guard path.hasPrefix("~/") else { return path }
        return Paths.home(environment) + path.dropFirst()
    }
}
