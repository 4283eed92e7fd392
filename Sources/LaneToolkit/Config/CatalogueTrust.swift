import CommandModel
import Digest
import FoundationEssentials
import Glibc

/// Which catalogues found in a working folder the user has trusted, by content.
///
/// A catalogue chooses which credential ars sends, to which host, and which program runs as a
/// node's bridge. One that ars merely *finds* (`./config/agentrun.yaml` in a repository someone
/// cloned) is therefore not used until the user trusts that file's content, as git's
/// `safe.directory` and direnv's `allow` do: `ars config trust` records the file's real path and
/// SHA-256 here, and a changed file needs trust again. Catalogues the user named (`--config`,
/// `$ARS_CONFIG`) or keeps in their own config folder need no record.
///
/// The record is `$XDG_STATE_HOME/ars/trusted-catalogues` (mode 0600), one line per file:
/// `SHA256 PATH`.
public struct CatalogueTrust: Sendable {
    public let recordFile: String

    public init(environment: [String: String]) {
        let base =
            environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Paths.join(Paths.home(environment), ".local/state")
        recordFile = Paths.join(base, "ars/trusted-catalogues")
    }

    /// The digest a trust record keeps for a catalogue's text.
    public static func digest(_ text: String) -> String { SHA256.hex(text) }

    /// Whether the file at `path`, with this exact `text`, was trusted.
    public func isTrusted(path: String, text: String) -> Bool {
        let entry = "\(Self.digest(text)) \(Self.canonical(path))"
        return records().contains(entry)
    }

    /// Records the file's current content as trusted (replacing an older record of the same path).
    public func trust(path: String, text: String) throws(ArsError) {
        let canonical = Self.canonical(path)
        var lines = records().filter { !$0.hasSuffix(" " + canonical) }
        lines.append("\(Self.digest(text)) \(canonical)")
        let directory = Paths.parent(recordFile)
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let temporary = recordFile + ".tmp-\(getpid())"
            guard
                FileManager.default.createFile(
                    atPath: temporary, contents: Data((lines.joined(separator: "\n") + "\n").utf8), attributes: [.posixPermissions: 0o600])
            else {
                throw CocoaError(.fileWriteUnknown)
            }
            guard rename(temporary, recordFile) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            throw ArsError.invalidInput(
                .trustWrite, "cannot record the trust in \(recordFile): \(ArsError.reason(error))",
                hint: "check that the folder is writable")
        }
    }

    private func records() -> [String] {
        guard let text = try? String(contentsOfFile: recordFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// The file's real path (symbolic links resolved), so a link elsewhere does not inherit trust.
    public static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
