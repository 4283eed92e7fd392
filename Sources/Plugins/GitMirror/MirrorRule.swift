import Commands
import FoundationEssentials

/// The lane's mirror rule, as the runner applies it at materialization: a GitHub repository
/// URL `https://github.com/OWNER/NAME` is fetched from `<baseUrl>/github.com/OWNER/NAME.git`;
/// any other host is fetched as it is. Tasks, AipodSpecs and prompts never name the mirror.
struct MirrorRule: Sendable {
    /// `gitMirror.baseUrl` of the lane, without a trailing slash.
    let baseURL: String

    /// What a URL came to, with each step of the rule that applied.
    struct Rewrite: Sendable {
        let input: String
        let host: String
        /// `pikasTech/unidesk`, for GitHub URLs.
        let repository: String?
        /// The URL the runner should fetch; nil when the mirror does not cover the host.
        let mirrorURL: String?
        /// The repository's path inside the cache folder (`github.com/pikasTech/unidesk.git`).
        let cachePath: String?
        let steps: [String]

        var value: Value {
            .object([
                "apiVersion": "ars/v1", "kind": "GitMirrorRewrite", "repoUrl": .string(input), "host": .string(host),
                "repository": .optional(repository), "mirrorUrl": .optional(mirrorURL), "cachePath": .optional(cachePath),
                "rewritten": .bool(mirrorURL != nil), "steps": .array(steps.map(Value.string)),
            ])
        }
    }

    /// Applies the rule. A URL with credentials (a password, a token as user name, a query or a
    /// fragment) is refused: it would put a secret into task data, logs and evidence. The
    /// refusal shows the URL with those parts replaced, never as given.
    func rewrite(_ url: String) throws(ArsError) -> Rewrite {
        var steps: [String] = []
        var rest = url.trimmingSpaces()
        var host: String
        var path: String
        if let scheme = rest.firstRange(of: "://") {
            let schemeName = rest[..<scheme.lowerBound].lowercased()
            guard ["https", "http", "ssh", "git"].contains(schemeName) else { throw Self.unsupported(url) }
            rest = String(rest[scheme.upperBound...])
            if rest.contains("?") || rest.contains("#") { throw Self.credentials(url) }
            let authority = String(rest.prefix { $0 != "/" })
            path = String(rest.dropFirst(authority.count))
            host = authority
            if let at = authority.lastIndex(of: "@") {
                let user = authority[..<at]
                // Only ssh's plain `git@` user is not a credential.
                guard schemeName == "ssh" && user == "git" else { throw Self.credentials(url) }
                host = String(authority[authority.index(after: at)...])
            }
            steps.append("scheme \(schemeName), host \(host)")
        } else if let colon = rest.firstIndex(of: ":"), let at = rest.firstIndex(of: "@"), at < colon {
            // scp-like `git@github.com:OWNER/NAME.git`.
            guard rest[..<at] == "git" else { throw Self.credentials(url) }
            host = String(rest[rest.index(after: at)..<colon])
            path = "/" + rest[rest.index(after: colon)...]
            steps.append("scp-like ssh address, host \(host)")
        } else {
            throw Self.unsupported(url)
        }
        if let port = host.firstIndex(of: ":") { host = String(host[..<port]) }
        host = host.lowercased()
        guard host == "github.com" || host == "www.github.com" else {
            steps.append("\(host) is not GitHub: the mirror does not cover it, the runner fetches the URL as it is")
            return Rewrite(input: url, host: host, repository: nil, mirrorURL: nil, cachePath: nil, steps: steps)
        }
        var trimmed = path
        while trimmed.hasPrefix("/") { trimmed.removeFirst() }
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasSuffix(".git") { trimmed.removeLast(4) }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, parts.allSatisfy(Self.isNamePart) else {
            throw ArsError.usage(
                .badValue, "'\(url)' does not name a GitHub repository as OWNER/NAME",
                hint: "write it as https://github.com/OWNER/NAME")
        }
        let repository = parts.joined(separator: "/")
        steps.append("GitHub repository \(repository)")
        let cachePath = "github.com/\(repository).git"
        let mirror = baseURL + "/" + cachePath
        steps.append("mirror read URL = gitMirror.baseUrl + /\(cachePath)")
        return Rewrite(input: url, host: "github.com", repository: repository, mirrorURL: mirror, cachePath: cachePath, steps: steps)
    }

    private static func isNamePart(_ part: String) -> Bool {
        !part.isEmpty && part != "." && part != ".."
            && part.unicodeScalars.allSatisfy {
                $0.isASCII && (Character($0).isLetter || Character($0).isNumber) || "-_.".unicodeScalars.contains($0)
            }
    }

    /// Where a URL may carry a credential: its user information (`user:pw@`, a token as user,
    /// scp's `user@`) and its query or fragment.
    static func sensitiveParts(_ url: String) -> (user: Range<String.Index>?, query: Range<String.Index>?) {
        var user: Range<String.Index>?
        if let scheme = url.firstRange(of: "://") {
            let afterScheme = url[scheme.upperBound...]
            let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
            if let at = afterScheme[..<authorityEnd].lastIndex(of: "@") { user = scheme.upperBound..<at }
        } else if let at = url.firstIndex(of: "@"), let colon = url.firstIndex(of: ":"), at < colon {
            user = url.startIndex..<at
        }
        let query = url.firstIndex { $0 == "?" || $0 == "#" }.map { url.index(after: $0)..<url.endIndex }
        return (user, query)
    }

    /// The URL with its user information, query and fragment replaced: safe to print.
    static func redacted(_ url: String) -> String {
        let (user, query) = sensitiveParts(url)
        let end = query.map { url.index(before: $0.lowerBound) } ?? url.endIndex
        var text =
            user.map { String(url[..<$0.lowerBound]) + Session.redactionMarker + String(url[$0.upperBound..<end]) } ?? String(url[..<end])
        if query != nil { text += "?" + Session.redactionMarker }
        return text
    }

    static func credentials(_ url: String) -> ArsError {
        ArsError.usage(
            .mirrorCredentials,
            "\(redacted(url)) carries credentials (a user or token, a query or a fragment); a repository URL in a task, bundle or evidence never does",
            hint:
                "give the bare https://github.com/OWNER/NAME; the runner reaches GitHub through the lane's mirror, with no credentials in the URL"
        )
    }

    static func unsupported(_ url: String) -> ArsError {
        ArsError.usage(
            .badValue, "'\(redacted(url))' is not a repository URL ars understands",
            hint: "write it as https://github.com/OWNER/NAME or git@github.com:OWNER/NAME.git")
    }
}

/// What the `git-mirror` commands read from a lane's catalogue entry.
struct MirrorFacts: Sendable, LaneScoped {
    let lane: LaneSettings
    let cacheDir: String?
    let rule: MirrorRule?
    let staleAfterHours: Int
    /// Aipod → the GitHub repositories its bundles come from.
    let bundles: [(aipod: String, repositories: [String])]

    init(_ lane: LaneSettings) {
        self.lane = lane
        cacheDir = lane.raw.lookup("gitMirror.cacheDir")?.stringValue
        rule = lane.raw.lookup("gitMirror.baseUrl")?.stringValue.map { base in
            MirrorRule(baseURL: base.hasSuffix("/") ? String(base.dropLast()) : base)
        }
        staleAfterHours = lane.raw.lookup("gitMirror.staleAfterHours")?.intValue ?? 24
        bundles =
            (lane.raw.lookup("gitMirror.bundles")?.objectValue).map { object in
                object.map { ($0.key, ($0.value.arrayValue ?? []).compactMap(\.stringValue)) }
            } ?? []
    }

    func requireCache() throws(ArsError) -> String {
        guard let cacheDir else { throw Self.missing(lane, "gitMirror.cacheDir", example: "cacheDir: /srv/git-mirror") }
        return cacheDir
    }

    func requireRule() throws(ArsError) -> MirrorRule {
        guard let rule else {
            throw Self.missing(lane, "gitMirror.baseUrl", example: "baseUrl: http://git-mirror.devops-infra.svc.cluster.local:8080")
        }
        return rule
    }

    static func missing(_ lane: LaneSettings, _ key: String, example: String) -> ArsError {
        ArsError.usage(
            .laneKeyMissing, "lane \(lane.qualifiedName) has no '\(key)' in the catalogue",
            hint: "add it under the lane's gitMirror (\(example); see docs/config.md), or pick another lane with --node/--lane")
    }

    /// `--node G14 --lane v01`, for hints.
    var laneFlags: String { "--node \(ShellQuote.quote(lane.node)) --lane \(ShellQuote.quote(lane.name))" }
}

/// The one sentence every missing or stale cached repository carries.
enum MirrorAttribution {
    static let owner = "infrastructure"
    static let cacheGap =
        "mirror cache gap — G14/devops-infra infrastructure: the cache must hold the repository; never work around it by naming GitHub or a mirror in an AipodSpec, task or prompt"
    static let stale =
        "stale mirror — G14/devops-infra infrastructure: the cache has not fetched the repository recently; runners would materialize an old commit"
}
