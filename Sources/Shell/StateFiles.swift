import Commands
import Foundation

/// Files ars keeps between runs under `$XDG_STATE_HOME/ars/` (default `~/.local/state/ars/`):
/// the REPL history and the interactive context. Both are created with mode 0600.
struct StateFiles {
    let directory: String

    init(environment: [String: String]) {
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".local/state")
        directory = (base as NSString).appendingPathComponent("ars")
    }

    var historyFile: String { (directory as NSString).appendingPathComponent("history") }
    var contextFile: String { (directory as NSString).appendingPathComponent("context.json") }

    /// The context saved by an earlier interactive run, or an empty one.
    func loadContext() -> ShellContext {
        guard let data = FileManager.default.contents(atPath: contextFile),
              let context = try? JSONDecoder().decode(ShellContext.self, from: data)
        else { return ShellContext() }
        return context
    }

    /// Saves the context atomically with mode 0600; failures only warn (the shell keeps working).
    func saveContext(_ context: ShellContext) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(context)
        let temporary = contextFile + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        guard rename(temporary, contextFile) == 0 else {
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: contextFile])
        }
    }
}
