import FoundationEssentials

// MARK: - Secret-looking values

extension Session {
    /// Words in an environment variable's name that mark its value as a credential.
    public static let credentialNameWords = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "CREDENTIALS"]

    /// True when a variable's name looks like it holds a credential (`HWLAB_API_KEY`,
    /// `GITHUB_TOKEN`, `DB_PASSWORD`), matched word by word so `MONKEY` is not one.
    public static func looksLikeCredential(name: String) -> Bool {
        let words = name.uppercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        return words.contains { word in credentialNameWords.contains { word.hasSuffix($0) } }
    }

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
