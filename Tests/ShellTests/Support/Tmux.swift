// A harness that drives a real terminal program through tmux, for end-to-end tests of the REPL.

import Foundation

// MARK: - TmuxSession

/// One terminal program running in a detached tmux session on a private tmux server.
///
/// Every session starts its own server (`tmux -L <unique socket>`, no configuration file), so tests
/// never touch the user's tmux server and can run in parallel. The program runs with
/// `TERM=xterm-256color` and `LANG=C.UTF-8`; its pane stays around after it exits
/// (`remain-on-exit`), so the final screen and the exit status can still be read. The server is
/// killed by `kill()` or, at the latest, when the session is deinitialised.
///
/// ```swift
/// let tmux = try TmuxSession(command: [shellPath])
/// try tmux.type("cont")
/// try tmux.send(keys: "Tab")
/// _ = try tmux.waitFor("context ")
/// ```
final class TmuxSession: Sendable {
    /// The name of the tmux session (and target of every command) on the private server.
    private static let target = "main"

    /// The private server's socket name, passed with `-L`.
    let socketName: String

    /// Starts `command` (executable and arguments, run directly without a shell) in a new detached
    /// session of `width` × `height` cells, with `environment` added to its environment.
    init(command: [String], environment: [String: String] = [:], width: Int = 120, height: Int = 40) throws {
        precondition(!command.isEmpty, "TmuxSession needs a command to run")
        socketName = "ars-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        let variables = ["TERM": "xterm-256color", "LANG": "C.UTF-8"]
            .merging(environment) { _, custom in custom }
            .sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }
        // Both commands run in one command queue, before the program can exit: even a program
        // that exits at once leaves its pane behind.
        try tmux(
            ["new-session", "-d", "-s", Self.target, "-x", "\(width)", "-y", "\(height)", "/usr/bin/env"]
                + variables + command,
            ["set-option", "-t", Self.target, "remain-on-exit", "on"]
        )
    }

    deinit {
        kill()
    }

    // MARK: - Input

    /// Sends tmux key names, e.g. `"Tab"`, `"C-c"`, `"C-d"`, `"Up"`, `"Enter"`.
    func send(keys: String...) throws {
        try tmux(["send-keys", "-t", Self.target] + keys)
    }

    /// Types `literal` as text (`send-keys -l`), key names not interpreted; works with any Unicode.
    func type(_ literal: String) throws {
        try tmux(["send-keys", "-t", Self.target, "-l", "--", literal])
    }

    // MARK: - Output

    /// The visible screen: wrapped lines joined, trailing blanks of each line and trailing empty
    /// lines removed.
    func capture() throws -> String {
        let screen = try tmux(["capture-pane", "-p", "-J", "-t", Self.target])
        var lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.reversed().drop { $0 == " " }.reversed())
        }
        while lines.last?.isEmpty == true {
            lines.removeLast()
        }
        return lines.joined(separator: "\n")
    }

    /// Polls the screen until it contains `text` and returns that screen.
    /// - Throws: `TmuxError.timeout` with the last screen when `timeout` passes first.
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(10)) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let screen = try capture()
            if screen.contains(text) {
                return screen
            }
            guard ContinuousClock.now < deadline else {
                throw TmuxError.timeout(waitingFor: text, screen: screen)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    // MARK: - Program state

    /// Polls until the program has exited (its pane is dead or the session is gone); returns
    /// `false` if it is still running after `timeout`.
    func waitForExit(timeout: Duration = .seconds(10)) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard let dead = try paneFormat("#{pane_dead}") else { return true }
            if dead == "1" {
                return true
            }
            guard ContinuousClock.now < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The program's exit status once it has exited normally; `nil` while it runs, after a signal,
    /// or when the session is gone.
    func exitStatus() throws -> Int32? {
        try paneFormat("#{pane_dead_status}").flatMap { Int32($0) }
    }

    /// Kills this session's tmux server (and so the program). Safe to call more than once.
    func kill() {
        _ = try? tmux(["kill-server"])
    }

    // MARK: - Running tmux

    /// Expands a tmux format for the pane, or returns `nil` when the session no longer exists.
    private func paneFormat(_ format: String) throws -> String? {
        do {
            return try tmux(["display-message", "-p", "-t", Self.target, format])
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } catch TmuxError.commandFailed {
            return nil
        }
    }

    /// Runs `tmux -u -L <socket> -f /dev/null` with `commands` (each the arguments of one tmux
    /// command, run in sequence) and returns its standard output.
    ///
    /// Arguments ending in `;` are escaped so tmux does not take them for command separators. tmux
    /// inherits this process's environment without `TMUX` (so it also works inside tmux) and locale
    /// overrides, plus `LANG=C.UTF-8`, so UTF-8 text is sent and captured intact.
    @discardableResult
    private func tmux(_ commands: [String]...) throws -> String {
        let arguments = commands
            .map { command in command.map { $0.hasSuffix(";") ? "\($0.dropLast())\\;" : $0 } }
            .joined(separator: [";"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux", "-u", "-L", socketName, "-f", "/dev/null"] + arguments
        var environment = ProcessInfo.processInfo.environment.filter { name, _ in
            !["TMUX", "TMUX_PANE", "LC_ALL", "LC_CTYPE"].contains(name)
        }
        environment["LANG"] = "C.UTF-8"
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read before waiting: a full pipe would otherwise block tmux forever.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TmuxError.commandFailed(
                arguments: Array(arguments),
                status: process.terminationStatus,
                message: String(decoding: errorData, as: UTF8.self)
            )
        }
        return String(decoding: outputData, as: UTF8.self)
    }
}

// MARK: - TmuxError

/// A failure of the tmux harness; the description carries what is needed to debug a test.
enum TmuxError: Error, CustomStringConvertible {
    /// A tmux command exited with a non-zero status.
    case commandFailed(arguments: [String], status: Int32, message: String)
    /// `waitFor` gave up; `screen` is the last screen captured.
    case timeout(waitingFor: String, screen: String)

    var description: String {
        switch self {
        case let .commandFailed(arguments, status, message):
            "tmux \(arguments.joined(separator: " ")) exited with \(status): \(message)"
        case let .timeout(text, screen):
            "timed out waiting for \(String(reflecting: text)); last screen:\n\(screen)"
        }
    }
}
