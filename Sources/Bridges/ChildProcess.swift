import FoundationEssentials
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One program to run to completion, as the bridges describe it.
struct ChildSpec: Sendable {
    /// Absolute path of the executable (already looked up on `PATH`).
    var executable: String
    /// `argv`, including `argv[0]`.
    var arguments: [String]
    /// The child's whole environment (the session's, never the process's own).
    var environment: [String: String]
    /// Bytes for the child's standard input; nil gives it `/dev/null` (never the terminal).
    var stdin: Data?
    /// Seconds before the child is stopped.
    var timeout: Double
    /// Seconds between SIGTERM and SIGKILL when the child is stopped.
    var terminationGrace: Double
}

/// How a child ended.
enum ChildOutcome: Sendable {
    /// It exited by itself (status 128+N when killed by signal N, as a shell reports it).
    case exited(status: Int32, stdout: Data, stderr: Data, duration: Double)
    /// The timeout expired; it was stopped. Holds what it had printed.
    case timedOut(stdout: Data, stderr: Data)
    /// The calling task was cancelled; it was stopped.
    case cancelled
}

/// Runs a child process to completion without blocking Swift's cooperative pool.
///
/// - The child starts in a session of its own (`setsid`): it has no controlling terminal, the
///   terminal's Ctrl-C never reaches it directly, and stopping it stops everything it started
///   (the whole process group gets SIGTERM, then SIGKILL).
/// - Its stdin is the given bytes or `/dev/null`; stdout and stderr are separate pipes.
/// - A dedicated thread drives one `poll` loop over stdout, stderr, stdin and a wake-up pipe, so
///   both outputs are drained together (no pipe deadlock however much either prints), stdin is
///   written as the child reads it, and a timeout or cancellation is noticed at once.
/// - Signal dispositions and the signal mask are reset in the child (the REPL ignores SIGINT;
///   the loop's thread blocks SIGPIPE), and no descriptor of this process leaks into it.
enum ChildProcess {
    static func run(_ spec: ChildSpec) async throws -> ChildOutcome {
        try Task.checkCancellation()
        let control = try ChildControl()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ChildOutcome, any Error>) in
                DedicatedThread.start(name: "ars.bridge.child") {
                    continuation.resume(with: Result { try ChildLoop(spec: spec, control: control).run() })
                }
            }
        } onCancel: {
            control.cancel()
        }
    }
}

// MARK: - Cancellation

/// Set from any thread by the task's cancellation handler; wakes the loop's `poll` at once.
final class ChildControl: Sendable {
    let wakeRead: Int32
    private let wakeWrite: Int32
    private let cancelled = Atomic<Bool>(false)

    init() throws {
        let fds = try Spawn.pipe()
        wakeRead = fds.read
        wakeWrite = fds.write
        for fd in [wakeRead, wakeWrite] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    func cancel() {
        cancelled.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }
}

// MARK: - The loop

/// Spawns the child and drives it to the end on the calling (dedicated) thread.
private struct ChildLoop {
    let spec: ChildSpec
    let control: ChildControl

    func run() throws -> ChildOutcome {
        // SIGPIPE from writing stdin to a child that stopped reading must not kill ars: it stays
        // pending on this thread (and is discarded) while `write` returns EPIPE. The child's mask
        // is reset by the spawn attributes.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)

        if control.isCancelled { return .cancelled }
        let started = monotonicSeconds()
        let deadline = started + spec.timeout

        let output = try PipePair()
        let errors: PipePair
        do { errors = try PipePair() } catch { output.closeBoth(); throw error }
        var input: PipePair?
        if spec.stdin != nil {
            do { input = try PipePair() } catch { output.closeBoth(); errors.closeBoth(); throw error }
        }

        let spawned = spawn(stdout: output.write, stderr: errors.write, stdin: input?.read)
        close(output.write)
        close(errors.write)
        if let input { close(input.read) }
        let pid: pid_t
        switch spawned {
        case .success(let value): pid = value
        case .failure(let failure):
            close(output.read)
            close(errors.read)
            if let input { close(input.write) }
            throw failure
        }

        var stdout = Data(), stderr = Data()
        var outFD: Int32? = output.read, errFD: Int32? = errors.read
        var inFD: Int32? = input?.write
        let stdinBytes = [UInt8](spec.stdin ?? Data())
        var stdinOffset = 0
        if let fd = inFD {
            if stdinBytes.isEmpty {
                close(fd)
                inFD = nil
            } else {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
        }
        func closeAll() {
            for fd in [outFD, errFD, inFD].compactMap({ $0 }) { close(fd) }
            outFD = nil
            errFD = nil
            inFD = nil
        }

        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            // Both outputs closed: the child is ending; reap it (a short tick until it has).
            let outputsDone = outFD == nil && errFD == nil
            if outputsDone, let status = reap(pid, block: false) {
                closeAll()
                return .exited(status: status, stdout: stdout, stderr: stderr, duration: monotonicSeconds() - started)
            }
            if control.isCancelled {
                stop(pid, draining: &outFD, &errFD)
                closeAll()
                return .cancelled
            }
            let now = monotonicSeconds()
            if now >= deadline {
                stop(pid, draining: &outFD, &errFD)
                closeAll()
                return .timedOut(stdout: stdout, stderr: stderr)
            }

            var fds = [pollfd(fd: control.wakeRead, events: Int16(POLLIN), revents: 0)]
            if let fd = outFD { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            if let fd = errFD { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            if let fd = inFD { fds.append(pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)) }
            var wait = Int32(min(Double(Int32.max), ((deadline - now) * 1000).rounded(.up)))
            if outputsDone { wait = min(wait, 5) }
            let ready = poll(&fds, nfds_t(fds.count), wait)
            if ready < 0 {
                if errno == EINTR { continue }
                let failure = SpawnFailure(code: errno)
                stop(pid, draining: &outFD, &errFD)
                closeAll()
                throw failure
            }
            if ready == 0 { continue }

            for entry in fds where entry.revents != 0 {
                if entry.fd == control.wakeRead {
                    var sink = [UInt8](repeating: 0, count: 64)
                    _ = read(control.wakeRead, &sink, sink.count)
                } else if entry.fd == outFD {
                    if !drain(entry.fd, into: &stdout, buffer: &buffer) {
                        close(entry.fd)
                        outFD = nil
                    }
                } else if entry.fd == errFD {
                    if !drain(entry.fd, into: &stderr, buffer: &buffer) {
                        close(entry.fd)
                        errFD = nil
                    }
                } else if entry.fd == inFD {
                    if !feed(entry.fd, stdinBytes, offset: &stdinOffset, revents: entry.revents) {
                        close(entry.fd)
                        inFD = nil
                    }
                }
            }
            // A child that closed its outputs and exited no longer reads stdin either.
            if outFD == nil && errFD == nil, inFD != nil, hasExited(pid) {
                close(inFD!)
                inFD = nil
            }
        }
    }

    // MARK: Spawning

    private func spawn(stdout: Int32, stderr: Int32, stdin: Int32?) -> Result<pid_t, SpawnFailure> {
        Spawn.spawn(
            executable: spec.executable, arguments: spec.arguments, environment: spec.environment, stdin: stdin, stdout: stdout,
            stderr: stderr)
    }

    // MARK: Streams

    /// Reads what is there; false at end of file (or on an error that ends the stream).
    private func drain(_ fd: Int32, into data: inout Data, buffer: inout [UInt8]) -> Bool {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count > 0 {
            data.append(contentsOf: buffer[0..<count])
            return true
        }
        if count < 0 && (errno == EINTR || errno == EAGAIN) { return true }
        return false
    }

    /// Writes the next part of stdin; false when it is all written or the child stopped reading.
    private func feed(_ fd: Int32, _ bytes: [UInt8], offset: inout Int, revents: Int16) -> Bool {
        if revents & Int16(POLLERR | POLLNVAL) != 0 { return false }
        let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if count < 0 {
            if errno == EINTR || errno == EAGAIN { return true }
            if errno == EPIPE { discardPendingSIGPIPE() }
            return false
        }
        offset += count
        return offset < bytes.count
    }

    private func discardPendingSIGPIPE() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        var zero = timespec(tv_sec: 0, tv_nsec: 0)
        _ = sigtimedwait(&set, nil, &zero)
    }

    // MARK: Ending

    /// Stops the child and everything it started: SIGTERM to its process group, up to
    /// `terminationGrace` for it to exit (outputs are drained meanwhile, so nothing blocks on a
    /// full pipe), then SIGKILL to the group, and the child is reaped.
    private func stop(_ pid: pid_t, draining outFD: inout Int32?, _ errFD: inout Int32?) {
        signalGroup(pid, SIGTERM)
        let graceEnd = monotonicSeconds() + spec.terminationGrace
        var scratch = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !hasExited(pid) && monotonicSeconds() < graceEnd {
            var fds: [pollfd] = []
            if let fd = outFD { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            if let fd = errFD { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            _ = poll(&fds, nfds_t(fds.count), 5)
            for entry in fds where entry.revents != 0 {
                scratch.removeAll(keepingCapacity: true)
                if !drain(entry.fd, into: &scratch, buffer: &buffer) {
                    close(entry.fd)
                    if entry.fd == outFD { outFD = nil } else { errFD = nil }
                }
            }
        }
        // The leader is still unreaped (a zombie at worst), so its group id cannot be reused yet.
        signalGroup(pid, SIGKILL)
        _ = reap(pid, block: true)
    }

    private func signalGroup(_ pid: pid_t, _ signal: Int32) {
        if kill(-pid, signal) != 0 { _ = kill(pid, signal) }
    }

    /// Whether the child has exited, without reaping it.
    private func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        while true {
            let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if result == 0 { return info.si_signo == SIGCHLD }
            if errno == EINTR { continue }
            return true  // ECHILD: nothing left to wait for
        }
    }

    /// The child's exit status as a shell reports it (128+N for signal N); nil while it runs.
    private func reap(_ pid: pid_t, block: Bool) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, block ? 0 : WNOHANG)
            if result == pid { break }
            if result == 0 { return nil }
            if errno == EINTR { continue }
            return 255  // ECHILD: reaped elsewhere; nothing more to learn
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// A pipe whose both ends close on exec (the child gets copies through `dup2`).
private struct PipePair {
    let read: Int32
    let write: Int32

    init() throws {
        (read, write) = try Spawn.pipe()
    }

    func closeBoth() {
        close(read)
        close(write)
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1_000_000_000
}
