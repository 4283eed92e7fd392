import Commands
import FoundationEssentials

/// `kubectl …`: a read-only kubectl on the current lane's node, through its bridge — the
/// runbook's `trans G14:k3s kubectl get pods -n agentrun-v01`, typed as `kubectl get pods -n
/// agentrun-v01`. Writes are refused: they go through the control-plane commands' gates.
struct KubectlCommand: Command {
    let signature = CommandSignature(
        "kubectl", summary: "Read-only kubectl on the current node (get, describe, logs, …) through its bridge",
        discussion:
            "Runs on the node given by a leading --node NODE, else the current lane's node (see 'context'). The line is read with kubectl's own grammar and must be provably a read: verbs \(KubectlGrammar.verbList); global flags -n, --request-timeout, -v (up to 6) and a few switches; each verb's own read flags. Anything else — another cluster or identity (--kubeconfig, --server, --as …), files (-f, -k, --cache-dir …), --raw, watches and follows, plugins — is refused (exit 4). Secret values and literal credential env values are redacted in every output format: a get or describe is read as JSON first, so yaml, describe, jsonpath and templates are redacted like -o json. Writes go through the control-plane commands, which need --confirm. With -o json the result is the decoded document, so scripts can bind it: let pods = kubectl get pods -n agentrun-v01 -o json.",
        positionals: [Positional("args", "kubectl's own arguments", variadic: true)],
        examples: [
            Example("kubectl -n agentrun-ci get pipelineruns.tekton.dev", "The current lane's CI runs"),
            Example("kubectl --node G14 -n agentrun-v01 get pods", "Pods on another node"),
        ],
        isPassthrough: true)

    /// A leading `--node NODE` (ars's, not kubectl's) and the words for kubectl.
    static func split(_ words: [String]) -> (node: String?, rest: [String]) {
        if words.first == "--node", words.count >= 2 { return (words[1], Array(words.dropFirst(2))) }
        if let first = words.first, first.hasPrefix("--node=") {
            return (String(first.dropFirst("--node=".count)), Array(words.dropFirst()))
        }
        return (nil, words)
    }

    /// The kubectl words, proven a read, and the lane whose node runs them.
    struct Options: LaneScoped {
        let lane: LaneSettings
        let words: [String]
        let read: KubectlGrammar.Read
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        let (nodeName, words) = Self.split(invocation.argumentList("args"))
        let read = try KubectlGrammar.read(words)
        return Options(lane: try session.lane(node: nodeName), words: words, read: read)
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let (words, read) = (options.words, options.read)
        let node = try NodeClient(session: session, lane: options.lane)
        if read.output != "json", let objectRead = KubectlGrammar.objectRead(of: read) {
            // Whatever format was asked for, learn the objects' secret values first, from JSON,
            // so every rendering of them is redacted. If they cannot be read, nothing is shown.
            if let document = try await node.kubectlJSON(objectRead) {
                for secret in SecretScanner.secrets(in: document) { session.registerSecret(secret) }
            }
        }
        let command = RemoteCommand.kubectl(words)
        let result = try await node.run(command)
        guard result.succeeded else { throw node.failure(command, result) }
        let value = (try? JSON.decode(result.stdoutText)) ?? .string(result.stdoutText)
        var blocks: [HumanBlock] = [.text(result.stdoutText.hasSuffix("\n") ? String(result.stdoutText.dropLast()) : result.stdoutText)]
        if !result.stderrText.isEmpty { blocks.append(.warning(NodeExchange.tail(result.stderrText, lines: 5))) }
        return CommandOutput(value, human: blocks)
    }
}
