import CommandModel
import FoundationEssentials
import Synchronization

/// One bridge exchange as a command keeps it for `--full` and `--raw`.
public struct NodeExchange: Sendable {
    /// How a person would type it: `trans G14:k3s kubectl get pods -n agentrun-v01 -o json`.
    public var display: String
    public var exitStatus: Int32
    public var duration: Double
    public var stdout: String
    public var stderr: String

    /// The last `lines` lines of a text, for tails.
    public static func tail(_ text: String, lines: Int) -> String {
        let all = text.split(separator: "\n", omittingEmptySubsequences: false)
        let trimmed = all.last == "" ? all.dropLast() : all[...]
        return trimmed.suffix(lines).joined(separator: "\n")
    }
}

/// What plugins use to talk to a node: kubectl with JSON output and shell scripts in folders,
/// through the session's bridge, with every exchange kept for `--full`.
public final class NodeClient: Sendable {
    public let node: NodeSettings
    public let bridge: any RemoteBridge
    private let log = Mutex<[NodeExchange]>([])

    /// A client over a node's bridge (commands get one from the session: `NodeClient(session:lane:)`).
    public init(node: NodeSettings, bridge: any RemoteBridge) {
        self.node = node
        self.bridge = bridge
    }

    /// Every exchange so far, in the order they finished.
    public var exchanges: [NodeExchange] { log.withLock { $0 } }

    /// Runs a command and keeps the exchange. A non-zero exit is returned, not thrown.
    public func run(_ command: RemoteCommand) async throws -> RemoteResult {
        let result = try await bridge.run(command)
        let exchange = NodeExchange(
            display: bridge.commandLine(for: command, node: node.name), exitStatus: result.exitStatus, duration: result.duration,
            stdout: result.stdoutText, stderr: result.stderrText)
        log.withLock { $0.append(exchange) }
        return result
    }

    /// Runs a shell script in a folder on the node.
    public func script(_ text: String, in directory: String) async throws -> RemoteResult {
        try await run(.script(text, in: directory))
    }

    /// `kubectl ARGUMENTS -o json`, decoded. A missing named object is nil (kubectl's
    /// `NotFound`); any other failure is a remote error carrying kubectl's own message.
    public func kubectlJSON(_ arguments: [String]) async throws -> Value? {
        let command = RemoteCommand.kubectl(arguments + ["-o", "json"])
        let result = try await run(command)
        guard result.succeeded else {
            if result.stderrText.contains("(NotFound)") { return nil }
            throw failure(command, result)
        }
        do {
            return try JSON.decode(result.stdoutText)
        } catch {
            throw ArsError(
                .remote, code: .kubectlOutput,
                "\(bridge.commandLine(for: command, node: node.name)) printed something that is not JSON (\(error.message) at \(error.line):\(error.column))",
                hint: "run the command by hand to see what the node answers")
        }
    }

    /// The items of a `kubectl get KIND … -o json` list.
    public func kubectlList(_ arguments: [String]) async throws -> [Value] {
        try await kubectlJSON(arguments)?["items"]?.arrayValue ?? []
    }

    /// Runs kubectl for a write and requires success.
    @discardableResult
    public func kubectlWrite(_ arguments: [String], stdin: Data? = nil) async throws -> RemoteResult {
        let command = RemoteCommand.kubectl(arguments, stdin: stdin)
        let result = try await run(command)
        guard result.succeeded else { throw failure(command, result) }
        return result
    }

    /// The error for a remote command that exited non-zero: its own last stderr line, and the
    /// command to rerun by hand.
    public func failure(_ command: RemoteCommand, _ result: RemoteResult) -> ArsError {
        let text = result.stderrText.isEmpty ? result.stdoutText : result.stderrText
        // kubectl's klog lines (`E1125 18:46:15.241824 5239 memcache.go:265] …`) come before its
        // own message; keep them only when there is nothing else.
        let lines = text.split(separator: "\n").map(String.init)
        let plain = lines.filter { $0.prefixMatch(of: #/[EWIF]\d{4} \d\d:\d\d:\d\d/#) == nil }
        let message = NodeExchange.tail((plain.isEmpty ? lines : plain).joined(separator: "\n"), lines: 3)
        return ArsError(
            .remote, code: .remoteCommandFailed,
            "\(bridge.commandLine(for: command, node: node.name)) exited \(result.exitStatus)" + (message.isEmpty ? "" : ": \(message)"),
            hint: "the node answered with an error; rerun the command by hand to investigate")
    }
}
