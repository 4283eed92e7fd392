// A harness that drives a real terminal program through tmux, for end-to-end tests of the REPL.

import Foundation
@preconcurrency import Glibc

// MARK: - TmuxSession

/// One terminal program running in a detached tmux session on a private tmux server.
///
/// Every session starts its own server (`tmux -L <unique socket>`, no configuration file), so tests
/// never touch the user's tmux server and can run in parallel. The program runs with
/// `TERM=xterm-256color` and `LANG=C.UTF-8`; its pane stays around after it exits
/// (`remain-on-exit`), so the final screen and the exit status can still be read. The server is
/// killed (and its socket removed) by `kill()` or, at the latest, when the session is deinitialised.
///
/// ```swift
/// let tmux = try TmuxSession(command: [shellPath])
/// try tmux.type("cont")
/// try tmux.send(keys: "Tab")
/// try tmux.type("x")
/// try tmux.waitFor("context x")  // The trailing space after a completion is trimmed by `capture()`.
/// ```
final class TmuxSession: Sendable {
    /// The name of the tmux session (and target of every command) on the private server.
    private static let target = "main"

    /// Serialises starting tmux: see `spawn(_:)`.
    private static let spawnLock = NSLock()

    /// The private server's socket name, passed with `-L`.
    let socketName: String
    /// Where tmux creates that socket; tmux leaves the file behind when its server exits.
    private let socketPath: String

    /// Starts `command` (executable and arguments, run directly without a shell) in a new detached
    /// session of `width` × `height` cells, with `environment` added to its environment.
    init(command: [String], environment: [String: String] = [:], width: Int = 120, height: Int = 40) throws {
        precondition(!command.isEmpty, "TmuxSession needs a command to run")
        socketName = "ars-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        let variables = ["TERM": "xterm-256color", "LANG": "C.UTF-8"]
            .merging(environment) { _, custom in custom }
            .sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }
        // The commands run in one command queue, before the program can exit: even a program that
        // exits at once leaves its pane behind.
        socketPath = try Self.tmux(
            socketName,
            [
                ["new-session", "-d", "-s", Self.target, "-x", "\(width)", "-y", "\(height)", "/usr/bin/env"]
                    + variables + command,
                ["set-option", "-t", Self.target, "remain-on-exit", "on"],
                ["display-message", "-p", "-t", Self.target, "#{socket_path}"],
            ]
        ).trimmingCharacters(in: .newlines)
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
    /// lines removed. When the program exits, tmux scrolls the screen up one line to show
    /// "Pane is dead (status …)" on the last one, so the top line may be gone by then.
    func capture() throws -> String {
        var screen = Self.trimmingTrailingBlanks(try tmux(["capture-pane", "-p", "-J", "-t", Self.target]))
        while screen.hasSuffix("\n") {
            screen.removeLast()
        }
        return screen
    }

    /// Polls the screen until it contains `text` and returns that screen.
    ///
    /// Like the screen, `text` is compared without the trailing blanks of its lines, so waiting for
    /// a prompt such as `"ars › "` works (but cannot tell whether the blank is there).
    /// - Throws: `TmuxError.timeout` with the last screen when `timeout` passes first.
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(10)) throws -> String {
        let wanted = Self.trimmingTrailingBlanks(text)
        let deadline = ContinuousClock.now + timeout
        while true {
            let screen = try capture()
            if screen.contains(wanted) {
                return screen
            }
            guard ContinuousClock.now < deadline else {
                throw TmuxError.timeout(waitingFor: text, screen: screen)
            }
            usleep(50_000)
        }
    }

    /// `text` without the blanks at the end of each of its lines.
    private static func trimmingTrailingBlanks(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in line.reversed().drop { $0 == " " }.reversed() }
            .map { String($0) }
            .joined(separator: "\n")
    }

    // MARK: - Program state

    /// Polls until the program has exited (its pane is dead and tmux has collected its exit status
    /// or signal, or the session is gone); returns `false` if it is still running after `timeout`.
    ///
    /// tmux marks a pane dead when its terminal closes, which can be before it reaps the process.
    /// Debian's tmux also loses that SIGCHLD now and then (closing the pane runs libutempter's
    /// helper, which sets SIGCHLD to its default while it waits), leaving the program a zombie
    /// without a status; a dead pane without one gets the server sent a SIGCHLD, so it reaps.
    func waitForExit(timeout: Duration = .seconds(10)) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard let state = try paneFormat("#{pane_dead} #{pid} #{pane_dead_status}#{pane_dead_signal}") else {
                return true
            }
            let fields = state.split(separator: " ")
            if fields.count == 3 {
                return true
            }
            if fields.first == "1", let server = fields.last.flatMap({ pid_t($0) }) {
                Glibc.kill(server, SIGCHLD)
            }
            guard ContinuousClock.now < deadline else { return false }
            usleep(50_000)
        }
    }

    /// The program's exit status once it has exited normally (see `waitForExit`); `nil` while it
    /// runs, after a signal, or when the session is gone.
    func exitStatus() throws -> Int32? {
        try paneFormat("#{pane_dead_status}").flatMap { Int32($0) }
    }

    /// Kills this session's tmux server (and so the program) and removes its socket. Safe to call
    /// more than once.
    func kill() {
        _ = try? tmux(["kill-server"])
        unlink(socketPath)
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

    /// Runs tmux commands on this session's server; see `tmux(_:_:)`.
    @discardableResult
    private func tmux(_ commands: [String]...) throws -> String {
        try Self.tmux(socketName, commands)
    }

    /// Runs `tmux -u -L <socket> -f /dev/null` with `commands` (each the arguments of one tmux
    /// command, run in sequence) and returns its standard output.
    ///
    /// Arguments ending in `;` are escaped so tmux does not take them for command separators.
    private static func tmux(_ socket: String, _ commands: [[String]]) throws -> String {
        let arguments =
            commands
            .map { command in command.map { $0.hasSuffix(";") ? "\($0.dropLast())\\;" : $0 } }
            .joined(separator: [";"])
        let result = try spawn(["tmux", "-u", "-L", socket, "-f", "/dev/null"] + arguments)
        guard result.status == 0 else {
            throw TmuxError.commandFailed(arguments: Array(arguments), status: result.status, message: result.errors)
        }
        return result.output
    }

    /// Runs a program found on `PATH`, waits for it and returns its exit status and output.
    ///
    /// Foundation's `Process` is not used: the first tmux client forks the tmux server, which would
    /// inherit `Process`'s descriptors (its `waitUntilExit()` then never returns) and the calling
    /// thread's blocked signals (so `kill-server` and the server's SIGCHLD handling never work).
    /// Here the child starts with no signals blocked and only standard input (`/dev/null`), output
    /// and error open. Its environment is this process's without `TMUX`, `TMUX_PANE` (so the tests
    /// also work inside tmux) and locale overrides, plus `LANG=C.UTF-8`, so UTF-8 text is sent and
    /// captured intact.
    private static func spawn(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        var environment = ProcessInfo.processInfo.environment.filter { name, _ in
            !["TMUX", "TMUX_PANE", "LC_ALL", "LC_CTYPE"].contains(name)
        }
        environment["LANG"] = "C.UTF-8"
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))

        // Serialised, so that no concurrent spawn inherits this one's pipes: the child closes every
        // inheritable descriptor after moving its ends of the pipes to standard output and error.
        spawnLock.lock()
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        guard pipe(&outputPipe) == 0, pipe(&errorPipe) == 0 else {
            let code = errno
            spawnLock.unlock()
            throw TmuxError.spawnFailed(errno: code)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], STDERR_FILENO)
        for descriptor in inheritableDescriptors() {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        var pid = pid_t()
        let spawnError = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        close(outputPipe[1])
        close(errorPipe[1])
        spawnLock.unlock()
        defer {
            close(outputPipe[0])
            close(errorPipe[0])
        }
        guard spawnError == 0 else { throw TmuxError.spawnFailed(errno: spawnError) }

        // tmux writes little to standard error, so reading the pipes one after the other cannot
        // leave it blocked on a full pipe.
        let output = readToEnd(outputPipe[0])
        let errors = readToEnd(errorPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitStatus, output, errors)
    }

    /// This process's open descriptors above standard error that a child would inherit (not close-on-exec).
    private static func inheritableDescriptors() -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap(Int32.init).filter { descriptor in
            descriptor > STDERR_FILENO && fcntl(descriptor, F_GETFD) & FD_CLOEXEC == 0
        }
    }

    /// Reads `descriptor` until end of file, decoding the bytes as UTF-8.
    private static func readToEnd(_ descriptor: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count > 0 {
                bytes += buffer[..<count]
            } else if count == 0 || errno != EINTR {
                return String(decoding: bytes, as: UTF8.self)
            }
        }
    }
}

// MARK: - TmuxError

/// A failure of the tmux harness; the description carries what is needed to debug a test.
enum TmuxError: Error, CustomStringConvertible {
    /// A tmux command exited with a non-zero status.
    case commandFailed(arguments: [String], status: Int32, message: String)
    /// `waitFor` gave up; `screen` is the last screen captured.
    case timeout(waitingFor: String, screen: String)
    /// tmux could not be started.
    case spawnFailed(errno: Int32)

    var description: String {
        switch self {
        case let .commandFailed(arguments, status, message):
            "tmux \(arguments.joined(separator: " ")) exited with \(status): \(message)"
        case let .timeout(text, screen):
            "timed out waiting for \(String(reflecting: text)); last screen:\n\(screen)"
        case let .spawnFailed(code):
            "cannot run tmux: \(String(cString: strerror(code)))"
        }
    }
}
