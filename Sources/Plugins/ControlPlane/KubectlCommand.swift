import Commands
import Foundation

/// `kubectl …`: a read-only kubectl on the current lane's node, through its bridge — the
/// runbook's `trans G14:k3s kubectl get pods -n agentrun-v01`, typed as `kubectl get pods -n
/// agentrun-v01`. Writes are refused: they go through the control-plane commands' gates.
struct KubectlCommand: Command {
    /// Verbs that only read.
    static let readVerbs: Set<String> = ["get", "describe", "logs", "top", "explain", "api-resources", "api-versions", "version", "events", "cluster-info"]
    /// kubectl's global flags that take a value as the next word.
    static let valuedFlags: Set<String> = ["-n", "--namespace", "-l", "--selector", "-o", "--output", "--context", "--cluster", "--user", "--field-selector", "-c", "--container"]

    let signature = CommandSignature(
        "kubectl", summary: "Read-only kubectl on the current node (get, describe, logs, …) through its bridge",
        discussion: "Runs on the node given by a leading --node NODE, else the current lane's node (see 'context'). Only reading verbs are allowed: \(readVerbs.sorted().joined(separator: ", ")). Writes go through the control-plane commands, which need --confirm. With -o json the result is the decoded document, so scripts can bind it: let pods = kubectl get pods -n agentrun-v01 -o json.",
        positionals: [Positional("args", "kubectl's own arguments", variadic: true)],
        examples: [
            Example("kubectl -n agentrun-ci get pipelineruns.tekton.dev", "The current lane's CI runs"),
            Example("kubectl --node G14 -n agentrun-v01 get pods", "Pods on another node"),
        ],
        isPassthrough: true)

    /// A leading `--node NODE` (ars's, not kubectl's) and the words for kubectl.
    static func split(_ words: [String]) -> (node: String?, rest: [String]) {
        if words.first == "--node", words.count >= 2 { return (words[1], Array(words.dropFirst(2))) }
        if let first = words.first, first.hasPrefix("--node=") { return (String(first.dropFirst("--node=".count)), Array(words.dropFirst())) }
        return (nil, words)
    }

    /// Whether the words name Secrets (`secret`, `secrets/x`, `pods,secrets`, `get all` does not).
    static func readsSecrets(_ words: [String]) -> Bool {
        words.contains { word in
            word.lowercased().split(separator: ",").contains { part in
                let resource = part.split(separator: "/").first.map(String.init) ?? ""
                return ["secret", "secrets"].contains(resource) || resource.hasPrefix("secrets.") || resource.hasPrefix("secret.")
            }
        }
    }

    /// The words without `-o FORMAT`, `--output FORMAT`, `-oFORMAT` or `--output=FORMAT`.
    static func withoutOutputFlags(_ words: [String]) -> [String] {
        var kept: [String] = []
        var skipNext = false
        for word in words {
            if skipNext { skipNext = false; continue }
            if word == "-o" || word == "--output" { skipNext = true; continue }
            if word.hasPrefix("--output=") || (word.hasPrefix("-o") && word.count > 2 && !word.hasPrefix("--")) { continue }
            kept.append(word)
        }
        return kept
    }

    /// The verb: the first word that is neither a flag nor a flag's value.
    static func verb(_ words: [String]) -> String? {
        var skipNext = false
        for word in words {
            if skipNext { skipNext = false; continue }
            if word.hasPrefix("-") {
                skipNext = valuedFlags.contains(word)
                continue
            }
            return word
        }
        return nil
    }

    func validate(_ invocation: Invocation, in session: Session) throws {
        let words = Self.split(invocation.argumentList("args")).rest
        guard let verb = Self.verb(words) else {
            throw ArsError.usage("missing-argument", "kubectl needs a verb, e.g. kubectl get pods -n agentrun-v01")
        }
        guard Self.readVerbs.contains(verb) else {
            throw ArsError(
                .refused, code: "write-refused", "kubectl \(verb) is refused here: ars passes only reading verbs (\(Self.readVerbs.sorted().joined(separator: ", ")))",
                hint: "cluster writes go through control-plane commands (trigger-current, refresh, cleanup-runs, cleanup-released-pvs) with --dry-run and --confirm")
        }
    }

    func run(_ invocation: Invocation, in session: Session) async throws -> CommandOutput {
        let (nodeName, words) = Self.split(invocation.argumentList("args"))
        let lane = try session.lane(node: nodeName)
        let node = try NodeClient(session: session, lane: lane)
        if Self.readsSecrets(words) {
            // Whatever format was asked for, learn the secret values first (from JSON, where
            // they can be found) so every rendering of them is redacted.
            if let document = try? await node.kubectlJSON(Self.withoutOutputFlags(words)) {
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
