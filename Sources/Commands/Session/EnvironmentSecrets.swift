import FoundationEssentials

// MARK: - Secret-looking values

extension Session {
    /// Words in an environment variable's name that mark its value as a credential.
    public static let credentialNameWords = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "CREDENTIALS"]

    /// True when a variable's name looks like it holds a credential (`HWLAB_API_KEY`,
    /// `GITHUB_TOKEN`, `DB_PASSWORD`), matched word by word so `MONKEY` is not one.
    public static func looksLikeCredential(name: String) -> Bool {
        // On bytes: every variable of the environment goes through here at every start. ASCII
        // letters and digits (and any non-ASCII byte) make up words; the rest separates them.
        var bytes = Array(name.utf8)
        for index in bytes.indices where (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[index]) { bytes[index] -= 0x20 }
        func inWord(_ byte: UInt8) -> Bool {
            byte >= 0x80 || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        var start = 0
        while start < bytes.count {
            guard inWord(bytes[start]) else {
                start += 1
                continue
            }
            var end = start
            while end < bytes.count, inWord(bytes[end]) { end += 1 }
            let length = end - start
            if credentialWordBytes.contains(where: { $0.count <= length && bytes[(end - $0.count)..<end].elementsEqual($0) }) {
                return true
            }
            start = end
        }
        return false
    }

    private static let credentialWordBytes = credentialNameWords.map { Array($0.utf8) }

    /// Registers the values of credential-looking environment variables (8 characters or more)
    /// when the session starts, so `echo` of a key, a table cell or a history line can never
    /// print one, even before the command that reads the key has run. Names of files and folders
    /// (`…_FILE`, `…_PATH`, `…_DIR`) and `ARS_ALLOW_KEY_ENV` (a list of variable names) are left
    /// alone.
    func registerEnvironmentSecrets() {
        for (name, value) in environment where Self.looksLikeCredential(name: name) {
            if name == "ARS_ALLOW_KEY_ENV" || ["_FILE", "_PATH", "_DIR"].contains(where: { name.uppercased().hasSuffix($0) }) { continue }
            let trimmed = value.trimmingWhitespace()
            if trimmed.count >= 8 { registerSecret(trimmed) }
        }
    }
}
