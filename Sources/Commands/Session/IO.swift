import FoundationEssentials
import Glibc
import Synchronization

/// Somewhere text goes: the terminal, a file, or a buffer in a test.
public protocol TextSink: AnyObject, Sendable {
    func write(_ text: String)
    /// Whether this sink is an interactive terminal (decides colour and widths).
    var isTerminal: Bool { get }
    /// The terminal's width in columns, when known.
    var columns: Int? { get }
}

/// Where input comes from: the terminal, a pipe, or a string in a test.
public protocol TextSource: AnyObject, Sendable {
    /// Reads everything that is left (for `--prompt-stdin`, `apply -f -`).
    func readAll() -> String
    /// Reads one line without its newline; nil at end of input.
    func readLine() -> String?
    var isTerminal: Bool { get }
}

/// The three standard streams of a session.
public struct IOStreams: Sendable {
    public var stdin: any TextSource
    public var stdout: any TextSink
    public var stderr: any TextSink

    public init(stdin: any TextSource, stdout: any TextSink, stderr: any TextSink) {
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
    }

    /// The process's own standard streams.
    public static func standard() -> IOStreams {
        IOStreams(stdin: FileSource(fd: 0), stdout: FileSink(fd: 1), stderr: FileSink(fd: 2))
    }
}

// MARK: - File descriptors

/// Writes to a file descriptor.
public final class FileSink: TextSink {
    private let fd: Int32
    public let isTerminal: Bool

    public init(fd: Int32) {
        self.fd = fd
        self.isTerminal = isatty(fd) == 1
    }

    public func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    public var columns: Int? {
        guard isTerminal else { return nil }
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}

/// Reads from a file descriptor.
public final class FileSource: TextSource {
    private struct Pending {
        var buffer: [UInt8] = []
        var atEnd = false
    }
    private let fd: Int32
    /// Read but not yet returned; the lock is held across a blocking read so lines stay whole.
    private let pending = Mutex(Pending())
    public let isTerminal: Bool

    public init(fd: Int32) {
        self.fd = fd
        self.isTerminal = isatty(fd) == 1
    }

    public func readAll() -> String {
        pending.withLock { state in
            var data = state.buffer
            state.buffer = []
            while !state.atEnd {
                let chunk = readChunk()
                if chunk.isEmpty { state.atEnd = true } else { data += chunk }
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    public func readLine() -> String? {
        pending.withLock { state in
            while true {
                if let newline = state.buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Array(state.buffer[..<newline])
                    state.buffer.removeSubrange(...newline)
                    return String(decoding: line, as: UTF8.self)
                }
                if state.atEnd {
                    guard !state.buffer.isEmpty else { return nil }
                    defer { state.buffer = [] }
                    return String(decoding: state.buffer, as: UTF8.self)
                }
                let chunk = readChunk()
                if chunk.isEmpty { state.atEnd = true } else { state.buffer += chunk }
            }
        }
    }

    /// What one read(2) returns (up to 64 KiB); empty at the end or on an error.
    private func readChunk() -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            return count > 0 ? Array(chunk[..<count]) : []
        }
    }
}

// MARK: - In-memory streams (tests, captured runs)

/// Collects written text; for tests and for capturing a command's output.
public final class BufferSink: TextSink {
    private let storage = Mutex("")
    public let isTerminal: Bool
    public let columns: Int?

    public init(isTerminal: Bool = false, columns: Int? = nil) {
        self.isTerminal = isTerminal
        self.columns = columns
    }

    public func write(_ text: String) { storage.withLock { $0 += text } }

    /// Everything written so far.
    public var text: String { storage.withLock { $0 } }
}

/// Serves a fixed string as input.
public final class StringSource: TextSource {
    private let unread: Mutex<Substring>
    public let isTerminal = false

    public init(_ text: String) { unread = Mutex(Substring(text)) }

    public func readAll() -> String {
        unread.withLock { remaining in
            defer { remaining = "" }
            return String(remaining)
        }
    }

    public func readLine() -> String? {
        unread.withLock { remaining in
            guard !remaining.isEmpty else { return nil }
            if let newline = remaining.firstIndex(of: "\n") {
                defer { remaining = remaining[remaining.index(after: newline)...] }
                return String(remaining[..<newline])
            }
            defer { remaining = "" }
            return String(remaining)
        }
    }
}
