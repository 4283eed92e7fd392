import Commands

/// kubectl's own grammar, as far as ars needs it to prove that a command line only reads.
///
/// kubectl (cobra + pflag) accepts its flags anywhere on the line, so a verb cannot be found by
/// skipping words that start with `-`: in `--cache-dir get delete deploy x` the verb is `delete`.
/// ars therefore reads the line as kubectl does — every flag must be one it knows, with its
/// arity — and anything it does not know is refused. What is allowed is an allow-list: the read
/// verbs below, the few global flags that neither change the cluster, the credentials or the
/// identity nor write a file, and each verb's own read flags.
enum KubectlGrammar {
    /// A command line that was proven to be a read.
    struct Read: Equatable, Sendable {
        /// `["get"]`, `["auth", "can-i"]`.
        var verb: [String]
        /// The words that are neither the verb nor flags: resources and names.
        var operands: [String]
        /// Scope flags as given (`-n X`, `-A`, `-l SEL`, `--field-selector F`), normalised to
        /// `--name=value` words, for a JSON read of the same objects.
        var scope: [String]
        /// The `-o` value, if any.
        var output: String?
    }

    /// A flag kubectl knows: whether it takes a value.
    struct Flag {
        var long: String
        var short: Character?
        var takesValue: Bool
    }

    // MARK: - The allow-lists

    /// Global flags a read may use. Every other global flag is refused: those that pick another
    /// cluster, credentials or identity (`--kubeconfig`, `--server`, `--token`, `--as`, …), and
    /// those that write files (`--cache-dir`, `--log-file`, `--profile-output`, …).
    static let globalFlags: [Flag] = [
        Flag(long: "namespace", short: "n", takesValue: true),
        Flag(long: "request-timeout", takesValue: true),
        Flag(long: "v", short: "v", takesValue: true),
        Flag(long: "match-server-version", takesValue: false),
        Flag(long: "warnings-as-errors", takesValue: false),
        Flag(long: "disable-compression", takesValue: false),
    ]

    /// Global flags kubectl has that ars refuses, with why (for the message).
    static let refusedGlobalFlags: [String: String] = {
        var reasons: [String: String] = [:]
        for flag in [
            "kubeconfig", "context", "cluster", "user", "server", "s", "token", "username", "password",
            "client-certificate", "client-key", "certificate-authority", "insecure-skip-tls-verify", "tls-server-name",
        ] {
            reasons[flag] = "the lane's bridge chooses the cluster and its credentials"
        }
        for flag in ["as", "as-group", "as-uid"] { reasons[flag] = "impersonation is not a read" }
        for flag in [
            "cache-dir", "log-file", "log-dir", "profile", "profile-output", "alsologtostderr", "log-file-max-size", "vmodule",
            "log-backtrace-at", "log-flush-frequency", "logtostderr", "add-dir-header", "skip-headers", "skip-log-headers",
            "stderrthreshold", "one-output",
        ] {
            reasons[flag] = "it writes files or changes kubectl's own logging"
        }
        return reasons
    }()

    static let selector = Flag(long: "selector", short: "l", takesValue: true)
    static let allNamespaces = Flag(long: "all-namespaces", short: "A", takesValue: false)
    static let fieldSelector = Flag(long: "field-selector", takesValue: true)
    static let output = Flag(long: "output", short: "o", takesValue: true)
    static let noHeaders = Flag(long: "no-headers", takesValue: false)
    static let sortBy = Flag(long: "sort-by", takesValue: true)
    static let chunkSize = Flag(long: "chunk-size", takesValue: true)
    static let template = Flag(long: "template", takesValue: true)
    static let allowMissingTemplateKeys = Flag(long: "allow-missing-template-keys", takesValue: false)
    static let showManagedFields = Flag(long: "show-managed-fields", takesValue: false)

    /// The read verbs and each one's own flags. `-f` is `--follow` for `logs` only; for the
    /// others it would read objects from a file or URL, and it is refused with `-k` and `--raw`.
    static let verbs: [[String]: [Flag]] = [
        ["get"]: [
            selector, allNamespaces, fieldSelector, output, noHeaders, sortBy, chunkSize, template, allowMissingTemplateKeys,
            showManagedFields, Flag(long: "show-labels", takesValue: false), Flag(long: "label-columns", short: "L", takesValue: true),
            Flag(long: "show-kind", takesValue: false), Flag(long: "ignore-not-found", takesValue: false),
            Flag(long: "server-print", takesValue: false), Flag(long: "subresource", takesValue: true),
        ],
        ["describe"]: [selector, allNamespaces, chunkSize, Flag(long: "show-events", takesValue: false)],
        ["logs"]: [
            selector, Flag(long: "container", short: "c", takesValue: true), Flag(long: "previous", short: "p", takesValue: false),
            Flag(long: "tail", takesValue: true), Flag(long: "since", takesValue: true), Flag(long: "since-time", takesValue: true),
            Flag(long: "timestamps", takesValue: false), Flag(long: "all-containers", takesValue: false),
            Flag(long: "prefix", takesValue: false), Flag(long: "limit-bytes", takesValue: true),
            Flag(long: "max-log-requests", takesValue: true), Flag(long: "ignore-errors", takesValue: false),
        ],
        ["top", "pod"]: [
            selector, allNamespaces, fieldSelector, noHeaders, sortBy, Flag(long: "containers", takesValue: false),
            Flag(long: "sum", takesValue: false),
        ],
        ["top", "node"]: [selector, noHeaders, sortBy, Flag(long: "show-capacity", takesValue: false)],
        ["explain"]: [output, Flag(long: "recursive", takesValue: false), Flag(long: "api-version", takesValue: true)],
        ["api-resources"]: [
            output, noHeaders, sortBy, Flag(long: "api-group", takesValue: true), Flag(long: "cached", takesValue: false),
            Flag(long: "namespaced", takesValue: false), Flag(long: "verbs", takesValue: true), Flag(long: "categories", takesValue: true),
        ],
        ["api-versions"]: [],
        ["version"]: [output, Flag(long: "client", takesValue: false)],
        ["events"]: [
            allNamespaces, output, noHeaders, chunkSize, template, allowMissingTemplateKeys, showManagedFields,
            Flag(long: "for", takesValue: true), Flag(long: "types", takesValue: true),
        ],
        ["cluster-info"]: [],
        ["auth", "can-i"]: [
            allNamespaces, noHeaders, Flag(long: "list", takesValue: false), Flag(long: "quiet", short: "q", takesValue: false),
            Flag(long: "subresource", takesValue: true),
        ],
        ["auth", "whoami"]: [output],
    ]

    /// Verbs that take a second word (`top pod`, `auth can-i`); `pods`/`nodes`/`po`/`no` are kubectl's aliases.
    static let subcommandAliases: [String: String] = ["pods": "pod", "po": "pod", "nodes": "node", "no": "node"]

    /// Output formats that read a file of the user's (`jsonpath-file=…`) are refused.
    static let refusedOutputPrefixes = ["jsonpath-file", "go-template-file", "custom-columns-file", "template-file"]

    /// Flags of the read verbs that kubectl has but ars refuses, with why.
    static let refusedVerbFlags: [String: String] = [
        "filename": "objects named by a file or URL (-f) are not provably reads of the lane; name the resource and object instead",
        "kustomize": "a kustomization (-k) is not provably a read of the lane; name the resource and object instead",
        "recursive": "-R only applies to -f, which is refused",
        "raw": "--raw sends any request path; name the resource and object instead",
        "watch": "ars returns when kubectl ends; a watch never ends — use 'wait' in a script, or kubectl itself",
        "watch-only": "ars returns when kubectl ends; a watch never ends",
        "follow": "ars returns when kubectl ends; follow never ends — use --tail N or --since D",
        "output-watch-events": "watches are refused",
        "insecure-skip-tls-verify-backend": "it skips verifying the node's serving certificate",
    ]

    /// `get`, `describe`: the verbs whose output may show objects' fields (and so Secret
    /// values or literal credential env), read as JSON first so every rendering can be redacted.
    static let objectReadingVerbs: Set<[String]> = [["get"], ["describe"]]

    /// The verbs ars accepts, for messages and help: `get, describe, logs, …`.
    static var verbList: String {
        verbs.keys.map { $0.joined(separator: " ") }.sorted().joined(separator: ", ")
    }

    // MARK: - Reading a line

    /// Reads kubectl's words and returns the read they make, or throws a refusal (exit 4) that
    /// says what was refused and why, or a usage error for a malformed line.
    static func read(_ words: [String]) throws(ArsError) -> Read {
        var verb: [String] = []
        var operands: [String] = []
        var scope: [String] = []
        var output: String?
        var pendingValueFor: Flag?
        var verbFlags: [Flag] { verbs[verb] ?? [] }

        func refuse(_ what: String, _ why: String) -> ArsError {
            ArsError(
                .refused, code: .kubectlRefused, "kubectl \(what) is refused here: \(why)",
                hint:
                    "ars kubectl only reads (\(verbList)) with -n, -l, -A, --field-selector and -o; cluster writes go through the control-plane commands with --dry-run and --confirm"
            )
        }

        func accept(_ flag: Flag, value: String?) throws(ArsError) {
            guard let value else { return }
            switch flag.long {
            case "namespace", "selector", "field-selector": scope.append("--\(flag.long)=\(value)")
            case "output":
                if refusedOutputPrefixes.contains(where: { value == $0 || value.hasPrefix($0 + "=") }) {
                    throw refuse(
                        "-o \(value)", "an output template read from a file is not allowed; give the template inline (-o jsonpath=…)")
                }
                output = value
            case "v":
                guard let level = Int(value), (0...6).contains(level) else {
                    throw refuse("-v=\(value)", "verbosity above 6 prints request headers and bodies; use -v=6 or less")
                }
            default: break
            }
        }

        /// The flag a word names, among the globals and the verb's own (nil: unknown).
        func lookup(long: String) -> Flag? {
            (globalFlags + verbFlags).first { $0.long == long }
        }
        func lookup(short: Character) -> Flag? {
            (globalFlags + verbFlags).first { $0.short == short }
        }
        func refusal(forFlag name: String, display: String) -> ArsError {
            // Short letters kubectl gives the refused flags: `-f` (a file, or `logs --follow`),
            // `-k`, `-R`, `-w`, `-s` (`--server`).
            let shortNames = [
                "f": verb == ["logs"] ? "follow" : "filename", "k": "kustomize", "R": "recursive", "w": "watch", "s": "server",
            ]
            let long = shortNames[name] ?? name
            if let why = refusedGlobalFlags[long] ?? refusedVerbFlags[long] { return refuse(display, why) }
            let scope = verb.isEmpty ? "before the verb" : "for kubectl \(verb.joined(separator: " "))"
            return refuse(display, "ars does not know it as a read flag \(scope), and it refuses what it cannot prove is a read")
        }

        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if let flag = pendingValueFor {
                pendingValueFor = nil
                try accept(flag, value: word)
                continue
            }
            if word == "--" { throw refuse("--", "ars reads every word as kubectl would, and '--' is not needed for a read") }
            if word.hasPrefix("--") {
                let body = word.dropFirst(2)
                let name = String(body.prefix { $0 != "=" })
                let inlineValue = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
                guard let flag = lookup(long: name) else { throw refusal(forFlag: name, display: "--\(name)") }
                if flag.takesValue {
                    if let inlineValue { try accept(flag, value: inlineValue) } else { pendingValueFor = flag }
                } else if let inlineValue, !["true", "false"].contains(inlineValue) {
                    throw ArsError.usage(.kubectlFlag, "kubectl's --\(name) takes no value (got '\(inlineValue)')")
                } else {
                    try accept(flag, value: nil)
                    if name == "all-namespaces" { scope.append("--all-namespaces") }
                }
                continue
            }
            if word.hasPrefix("-"), word.count > 1 {
                // pflag shorthand: `-n X`, `-nX`, `-n=X`, and combined booleans `-Ap`.
                var letters = Substring(word.dropFirst())
                while let letter = letters.first {
                    letters = letters.dropFirst()
                    guard let flag = lookup(short: letter) else {
                        throw refusal(forFlag: String(letter), display: "-\(letter)")
                    }
                    if flag.takesValue {
                        if letters.isEmpty {
                            pendingValueFor = flag
                        } else {
                            try accept(flag, value: String(letters.hasPrefix("=") ? letters.dropFirst() : letters))
                        }
                        break
                    }
                    if flag.long == "all-namespaces" { scope.append("--all-namespaces") }
                }
                continue
            }
            // A word that is not a flag: the verb's words first, then operands.
            if verb.isEmpty {
                guard verbs.keys.contains(where: { $0.first == word }) else {
                    throw refuse(word, "only reading verbs are passed (\(verbList))")
                }
                verb = [word]
                continue
            }
            if verbs[verb] == nil {
                let sub = subcommandAliases[word] ?? word
                guard verbs[verb + [sub]] != nil else {
                    throw refuse(
                        "\(verb[0]) \(word)",
                        "only \(verbs.keys.filter { $0.first == verb[0] }.map { $0.joined(separator: " ") }.sorted().joined(separator: ", ")) are reads"
                    )
                }
                verb.append(sub)
                continue
            }
            if verb == ["cluster-info"] {
                throw refuse("cluster-info \(word)", "'cluster-info dump' writes files; plain 'cluster-info' is allowed")
            }
            operands.append(word)
        }
        if let flag = pendingValueFor {
            throw ArsError.usage(.kubectlFlag, "kubectl's --\(flag.long) needs a value", hint: "e.g. -n agentrun-v01")
        }
        guard !verb.isEmpty else {
            throw ArsError.usage(.missingArgument, "kubectl needs a verb, e.g. kubectl get pods -n agentrun-v01")
        }
        guard verbs[verb] != nil else {
            throw refuse(
                verb.joined(separator: " "),
                "it needs one of: \(verbs.keys.filter { $0.first == verb[0] }.map { $0.joined(separator: " ") }.sorted().joined(separator: ", "))"
            )
        }
        return Read(verb: verb, operands: operands, scope: scope, output: output)
    }

    /// The `kubectl get …` words (to be read with `-o json`) that fetch every object a `get` or
    /// `describe` could show, so their secret values are known before any other rendering prints: a `get`'s own
    /// operands; for `describe`, the operands' resource kinds without names (describe matches
    /// names by prefix).
    static func objectRead(of read: Read) -> [String]? {
        guard objectReadingVerbs.contains(read.verb), !read.operands.isEmpty else { return nil }
        var operands = read.operands
        if read.verb == ["describe"] {
            var kinds: [String] = []
            for operand in read.operands {
                let kind = operand.split(separator: "/", maxSplits: 1).first.map(String.init) ?? operand
                if !kinds.contains(kind) { kinds.append(kind) }
                if !operand.contains("/") { break }  // `describe pods NAME…`: the first word is the kind
            }
            operands = [kinds.joined(separator: ",")]
        }
        return ["get"] + operands + read.scope
    }
}
