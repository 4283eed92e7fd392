import Commands
import FoundationEssentials
import Glibc

/// Files ars keeps between runs under `$XDG_STATE_HOME/ars/` (default `~/.local/state/ars/`):
/// the REPL history and the interactive context. Both are created with mode 0600.
struct StateFiles {
    let directory: String

    init(environment: [String: String]) {
        let base =
            environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Paths.join(Paths.home(environment), ".local/state")
        directory = Paths.join(base, "ars")
    }

    init(directory: String) {
        self.directory = directory
    }

    /// The sandbox lane keeps its own context, history and server state apart from real lanes.
    var sandbox: StateFiles { StateFiles(directory: Paths.join(directory, "sandbox")) }

    var historyFile: String { Paths.join(directory, "history") }
    var contextFile: String { Paths.join(directory, "context.json") }
    /// Ids seen recently per kind, so Tab in a fresh process offers them without the network.
    var recentIDsFile: String { Paths.join(directory, "recent-ids.json") }

    /// What an interactive or one-shot session leaves for the next one.
    struct Saved: Equatable {
        var context: ShellContext
        var recentIDs: [String: [String]]
    }

    func load() -> Saved { Saved(context: loadContext(), recentIDs: loadRecentIDs()) }

    /// Writes the parts of `state` that differ from `previous`.
    func save(_ state: Saved, previous: Saved) throws {
        if state.context != previous.context { try saveContext(state.context) }
        if state.recentIDs != previous.recentIDs { try saveRecentIDs(state.recentIDs) }
    }

    /// The context saved by an earlier interactive run, or an empty one.
    func loadContext() -> ShellContext {
        guard let data = FileManager.default.contents(atPath: contextFile),
            let context = try? JSONDecoder().decode(ShellContext.self, from: data)
        else { return ShellContext() }
        return context
    }

    /// Saves the context; failures only warn (the shell keeps working).
    func saveContext(_ context: ShellContext) throws {
        try write(JSONEncoder.sorted.encode(context), to: contextFile)
    }

    /// Recently seen ids per kind (empty when missing or unreadable).
    func loadRecentIDs() -> [String: [String]] {
        // Wire's JSON, not Codable: every one-shot command reads this file twice.
        guard let data = FileManager.default.contents(atPath: recentIDsFile),
            case .object(let kinds)? = try? JSON.decode(String(decoding: data, as: UTF8.self))
        else { return [:] }
        var ids: [String: [String]] = [:]
        for (kind, list) in kinds {
            guard case .array(let items) = list else { return [:] }
            ids[kind] = items.compactMap(\.stringValue)
        }
        return ids
    }

    func saveRecentIDs(_ ids: [String: [String]]) throws {
        try write(JSONEncoder.sorted.encode(ids), to: recentIDsFile)
    }

    /// Writes atomically (temporary file + rename) with mode 0600 from creation, in a 0700 folder.
    private func write(_ data: Data, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }
}

extension JSONEncoder {
    /// Stable output for state files.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
