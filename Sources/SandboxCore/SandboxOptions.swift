import Foundation

/// The command line of `ars-sandbox`:
/// `ars-sandbox --state DIR [--port 0] [--speed N] [--now RFC3339] [--scenario DIR] [--parent PID] [--header-timeout S]`,
/// API key in
/// `ARS_SANDBOX_API_KEY`.
public struct SandboxOptions: Sendable {
    /// The environment variable that carries the API key.
    public static let apiKeyVariable = "ARS_SANDBOX_API_KEY"

    public static let usage = """
        usage: ars-sandbox --state DIR [--port PORT] [--speed N] [--now RFC3339] [--scenario DIR]
                           [--parent PID] [--header-timeout S] [--import-run FILE]…
                           [--run-prefix P] [--source-branch B] [--gitops-branch B]

        A local AgentRun lane on 127.0.0.1: the queue REST API of docs/agentrun-api.md, state in
        DIR/sandbox.sqlite, a simulated runner and fault injection; and a Kubernetes API under /k8s
        (state in DIR/kube.sqlite, kubeconfig written to DIR/kubeconfig) seeded from a scenario.

          --state DIR      folder for the state (created if missing, mode 0700, files 0600;
                           kept across restarts)
          --port PORT      TCP port on 127.0.0.1; 0 (the default) picks a free one
          --speed N        sandbox seconds per real second (default 1; tests use 1000)
          --now RFC3339    sandbox time at start (default: the scenario's NOW, else the real time)
          --scenario DIR   folder of `kubectl get -o json` documents for the cluster
                           (default: the built-in scenario g14-healthy)
          --parent PID     end with that process: exit at once if it is already gone, stop
                           (as on SIGTERM) when it dies, however it dies (`ars --sandbox` sets it)
          --header-timeout S  seconds a connection may wait for a request's headers before
                           it is closed (default 10), so half-open connections cannot tie it up
          --import-run FILE  load a finished run from a JSON Lines trace (one event a line:
                           type, at, data; see docs/agentrun-api.md); repeatable
          --run-prefix P, --source-branch B, --gitops-branch B
                           the lane the scenario's git repositories are built for (default
                           agentrun-v01-ci-, v0.1, v0.1-gitops: G14's historic lane)

        The API key is read from ARS_SANDBOX_API_KEY. Once listening, stdout gets one line:
        {"event":"listening","url":"http://127.0.0.1:PORT","pid":PID,"kubeconfig":"DIR/kubeconfig","now":"RFC3339",
         "git":{…},"egress":{"proxy":"127.0.0.1:P","probeHost":"127.0.0.1:T","caFile":"DIR/egress/ca.pem"},
         "edge":{"caddyfile":"DIR/edge/Caddyfile","sitesDir":"DIR/edge/sites","admin":"127.0.0.1:A","httpsPort":H,
                 "caRoot":"DIR/edge/data/caddy/pki/authorities/local/root.crt","allowPortsFile":"DIR/edge/allow-ports",
                 "host":"agentrun-v02.localhost"},"imported":[…]}
        "egress" is a real tinyproxy and an HTTPS target (openssl s_server, a private CA in DIR/egress),
        child processes that end with the server; null when tinyproxy or openssl is not installed.
        "edge" is a real Caddy on 127.0.0.1 (the lane's public HTTPS entry), a child process that ends
        with the server; null when caddy is not installed. Its Caddyfile imports sitesDir/*.caddy; a
        lane is exposed by writing sitesDir/HOST.caddy (`HOST:H { tls internal ↵ reverse_proxy
        127.0.0.1:PORT }`), then `caddy validate --config CADDYFILE --adapter caddyfile` and `caddy
        reload --config CADDYFILE --adapter caddyfile --address A`. Clients trust caRoot (Caddy's
        internal CA, kept in DIR/edge across reloads and restarts). Site files, allow-ports and the
        ports (when still free) are kept across restarts on the same DIR.
        After "edge" comes the YAML-only lane v02 (in every scenario's git; its cluster objects in
        the built-in scenario), absolute paths, the worktree not made (the shell clones it):
         "yamlLane":{"namespace":"agentrun-v02","sourceBranch":"v0.2","gitopsBranch":"v0.2-gitops",
          "gitopsPath":"deploy/agentrun-v02","worktree":"DIR/git/agentrun-v02","argoApp":"argocd/agentrun-local-v02",
          "secretSource":"DIR/secrets/agentrun-v02-db.env","secretName":"agentrun-v02-db"}
        SIGTERM or SIGINT stops the server cleanly.
        """

    /// What the command line asks for.
    public enum Invocation: Sendable {
        case run(SandboxOptions)
        case help
    }

    public var stateDirectory: String
    public var port: Int
    public var speed: Double
    /// The sandbox start instant in milliseconds since 1970, when `--now` was given.
    public var startMilliseconds: Int64?
    /// The scenario folder of `--scenario`; nil for the built-in default.
    public var scenarioDirectory: String?
    /// The process this server lives for (`--parent`); nil when it runs standalone.
    public var parentProcess: Int32?
    /// Seconds an idle connection may wait for a request's headers (`--header-timeout`).
    public var headerTimeout: Double = 10
    /// Trace files to load as finished runs (`--import-run`, repeatable).
    public var importRuns: [String] = []
    /// The lane the git repositories are built for: its run prefix and branches.
    public var runPrefix = "agentrun-v01-ci-"
    public var sourceBranch = "v0.1"
    public var gitopsBranch = "v0.1-gitops"
    let apiKey: String

    /// Reads the arguments (without the program name) and the environment.
    public static func parse(_ arguments: [String], environment: [String: String]) throws(UsageError) -> Invocation {
        var state: String?
        var port = 0
        var speed = 1.0
        var start: Int64?
        var scenario: String?
        var parent: Int32?
        var headerTimeout = 10.0
        var importRuns: [String] = []
        var lane: [String: String] = [:]
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            if argument == "--help" || argument == "-h" { return .help }
            let (name, inline) = split(argument)
            guard
                [
                    "--state", "--port", "--speed", "--now", "--scenario", "--parent", "--header-timeout", "--import-run", "--run-prefix",
                    "--source-branch", "--gitops-branch",
                ].contains(name)
            else {
                throw UsageError("unknown option \(argument)")
            }
            guard let value = inline ?? remaining.popFirst() else { throw UsageError("\(name) needs a value") }
            switch name {
            case "--state":
                guard !value.isEmpty else { throw UsageError("--state needs a folder") }
                state = value
            case "--port":
                guard let number = Int(value), (0...65535).contains(number) else {
                    throw UsageError("--port must be 0–65535 (got \(value))")
                }
                port = number
            case "--speed":
                guard let number = Double(value), number.isFinite, number > 0, number <= 1_000_000 else {
                    throw UsageError("--speed must be a number above 0 and at most 1000000 (got \(value))")
                }
                speed = number
            case "--run-prefix", "--source-branch", "--gitops-branch":
                guard !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }), !value.hasPrefix("-") else {
                    throw UsageError("\(name) takes a name of letters, digits, '-', '_', '.' and '/' (got \(value))")
                }
                lane[name] = value
            case "--import-run":
                guard FileManager.default.isReadableFile(atPath: value) else { throw UsageError("--import-run: cannot read \(value)") }
                importRuns.append(value)
            case "--header-timeout":
                guard let number = Double(value), number.isFinite, number > 0, number <= 3600 else {
                    throw UsageError("--header-timeout must be a number of seconds above 0 and at most 3600 (got \(value))")
                }
                headerTimeout = number
            case "--scenario":
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: value, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw UsageError("--scenario must name a folder of kubectl JSON documents (got \(value))")
                }
                scenario = value
            case "--parent":
                guard let number = Int32(value), number > 1 else {
                    throw UsageError("--parent must be the process id of the program this server serves (got \(value))")
                }
                parent = number
            default:
                guard let instant = Timestamp(rfc3339: value) else {
                    throw UsageError("--now must be an RFC 3339 time such as 2026-05-01T08:00:00Z (got \(value))")
                }
                start = instant.milliseconds
            }
        }
        guard let state else { throw UsageError("--state DIR is required") }
        guard let key = environment[apiKeyVariable], !key.isEmpty else {
            throw UsageError("\(apiKeyVariable) is not set; export the API key clients will send as Authorization: Bearer <key>")
        }
        var options = SandboxOptions(
            stateDirectory: state, port: port, speed: speed, startMilliseconds: start, scenarioDirectory: scenario,
            parentProcess: parent, apiKey: key)
        options.headerTimeout = headerTimeout
        options.importRuns = importRuns
        if let prefix = lane["--run-prefix"] { options.runPrefix = prefix }
        if let branch = lane["--source-branch"] { options.sourceBranch = branch }
        if let branch = lane["--gitops-branch"] { options.gitopsBranch = branch }
        return .run(options)
    }

    private static func split(_ argument: String) -> (String, String?) {
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }
}

/// A command-line mistake: `ars-sandbox` prints it with the usage and exits 2.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
