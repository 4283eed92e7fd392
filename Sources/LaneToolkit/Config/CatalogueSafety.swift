import CommandModel
import FoundationEssentials

/// The rules a catalogue must keep whoever wrote it (checked by `ConfigValidator`).
public enum CatalogueSafety {
    /// Variables ars sends as the AgentRun API key without asking: `HWLAB_API_KEY` and `ARS_*`,
    /// plus those the user lists in `$ARS_ALLOW_KEY_ENV` (comma- or colon-separated) — never one
    /// a catalogue alone chose (`GITHUB_TOKEN`).
    public static func isAllowedKeyVariable(_ name: String, environment: [String: String]) -> Bool {
        if name == "HWLAB_API_KEY" || name.hasPrefix("ARS_") { return true }
        let allowed = (environment["ARS_ALLOW_KEY_ENV"] ?? "").split(whereSeparator: { $0 == "," || $0 == ":" || $0 == " " })
        return allowed.contains { $0 == name }
    }

    /// A bridge program is an absolute path (`~/` allowed) or a bare name looked up on `PATH`;
    /// never a path relative to the folder ars happens to run in.
    public static func isAllowedProgram(_ command: String) -> Bool {
        !command.isEmpty && (command.hasPrefix("/") || command.hasPrefix("~/") || !command.contains("/"))
    }

    /// An ssh host or login that ssh cannot mistake for an option or split.
    public static func isPlainSSHWord(_ word: String) -> Bool {
        !word.isEmpty && !word.hasPrefix("-")
            && !word.unicodeScalars.contains {
                $0.properties.isWhitespace || [.control, .format].contains($0.properties.generalCategory)
            }
    }

    /// `localhost`, `127.0.0.0/8` and `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimming(anyOf: "[]").lowercased()
        if bare == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// A URL for messages: user information replaced by `***`, query and fragment dropped.
    public static func displayURL(_ text: String) -> String {
        var shown = text
        if let cut = shown.firstIndex(where: { $0 == "?" || $0 == "#" }) { shown = String(shown[..<cut]) + "?…" }
        if let scheme = shown.firstRange(of: "://"), let at = shown[scheme.upperBound...].firstIndex(of: "@"),
            !shown[scheme.upperBound..<at].contains("/")
        {
            shown.replaceSubrange(scheme.upperBound..<at, with: "***")
        }
        return shown
    }
}
