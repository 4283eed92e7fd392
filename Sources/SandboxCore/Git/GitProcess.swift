import Foundation

/// Why building or reading the scenario repositories failed.
public enum ScenarioRepositoriesError: Error, CustomStringConvertible, Sendable {
    /// No `git` executable on `PATH`.
    case gitNotFound(path: String)
    /// A git command exited non-zero (or could not start); `command` is the shell-readable command line.
    case gitFailed(command: String, status: Int32, stderr: String)
    /// Creating, removing or writing a file or folder failed.
    case fileSystem(String)

    public var description: String {
        switch self {
        case .gitNotFound(let path):
            return "git not found on PATH (\(path))"
        case .gitFailed(let command, let status, let stderr):
            let detail = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return "`\(command)` failed (exit \(status))" + (detail.isEmpty ? "" : ": \(detail)")
        case .fileSystem(let message):
            return message
        }
    }
}

/// Runs `git` as a child process in a hermetic environment: none of the user's or the system's
/// git configuration, no inherited `GIT_*` variables, C locale, UTC, no prompts. Output is
/// captured through temporary files (no pipe can fill up and block the child).
struct GitProcess: Sendable {
    /// The outcome of one git command.
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Settings passed as `-c` to every command, so no configuration can change what is written.
    static let fixedSettings: [String] = [
        "commit.gpgsign=false",
        "tag.gpgsign=false",
        "core.autocrlf=false",
        "core.eol=lf",
        "core.safecrlf=false",
        "core.fileMode=true",
        "core.hooksPath=/dev/null",
        "gc.auto=0",
        "advice.detachedHead=false",
        "init.templateDir=",
        "protocol.file.allow=always",
    ]

    let executable: String
    let environment: [String: String]

    init() throws {
        let inherited = ProcessInfo.processInfo.environment
        let path = inherited["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
        guard let git = GitProcess.locate("git", in: path) else {
            throw ScenarioRepositoriesError.gitNotFound(path: path)
        }
        executable = git
        environment = [
            "PATH": path,
            "HOME": "/dev/null",
            "XDG_CONFIG_HOME": "/dev/null",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "",
            "GIT_EDITOR": ":",
            "GIT_PAGER": "cat",
            "LC_ALL": "C",
            "LANG": "C",
            "TZ": "UTC",
        ]
    }

    /// Runs `git <fixed -c settings> <arguments>`; `input`, when given, is the child's stdin.
    /// Throws `gitFailed` on a non-zero exit unless `check` is false.
    @discardableResult
    func run(_ arguments: [String], input: String? = nil, check: Bool = true) throws -> Output {
        let full = GitProcess.fixedSettings.flatMap { ["-c", $0] } + arguments
        let shown = (["git"] + arguments).map(GitProcess.shellWord).joined(separator: " ")

        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("ars-git-\(UUID().uuidString)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw ScenarioRepositoriesError.fileSystem("cannot create \(scratch.path): \(error)")
        }
        defer { try? FileManager.default.removeItem(at: scratch) }

        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        let inURL = scratch.appendingPathComponent("stdin")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
            FileManager.default.createFile(atPath: errURL.path, contents: nil),
            FileManager.default.createFile(atPath: inURL.path, contents: Data((input ?? "").utf8))
        else {
            throw ScenarioRepositoriesError.fileSystem("cannot create the capture files in \(scratch.path)")
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = full
        process.environment = environment
        process.currentDirectoryURL = scratch
        guard let stdinHandle = FileHandle(forReadingAtPath: inURL.path),
            let stdoutHandle = FileHandle(forWritingAtPath: outURL.path),
            let stderrHandle = FileHandle(forWritingAtPath: errURL.path)
        else {
            throw ScenarioRepositoriesError.fileSystem("cannot open the capture files in \(scratch.path)")
        }
        process.standardInput = stdinHandle
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        do {
            try process.run()
        } catch {
            try? stdinHandle.close()
            try? stdoutHandle.close()
            try? stderrHandle.close()
            throw ScenarioRepositoriesError.gitFailed(command: shown, status: -1, stderr: "cannot start \(executable): \(error)")
        }
        process.waitUntilExit()
        try? stdinHandle.close()
        try? stdoutHandle.close()
        try? stderrHandle.close()

        let output = Output(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
        if check && output.status != 0 {
            throw ScenarioRepositoriesError.gitFailed(command: shown, status: output.status, stderr: output.stderr)
        }
        return output
    }

    /// The first executable `name` in the colon-separated `path`.
    static func locate(_ name: String, in path: String) -> String? {
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = String(folder) + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// `word` as a POSIX shell would need it, for error messages only.
    static func shellWord(_ word: String) -> String {
        let plain = word.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "-_./=:@+,^{}".unicodeScalars.contains($0)
        }
        if plain && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
