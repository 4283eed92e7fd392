import Commands
import FoundationEssentials

/// What a task body may hold, checked on this side before anything is sent: the aipod, the name,
/// the labels, and the runner's bundles (a repository URL never carries credentials). Each check
/// returns every problem it finds, so `apply` can report all of them at once.
enum TaskRules {
    static let aipodRule = "an aipod is a letter, then letters, digits, '_', '-' or '.', at most 63 characters"
    static let labelRule =
        "a label key is letters, digits, '_', '-', '.' or '/', starts and ends with a letter or digit, at most 63 characters; a value has no control characters"

    /// Problems of a task body, each with the field it is about (`aipod`, `labels.team`, `runner.bundles[0].repoUrl`).
    static func problems(_ body: Object) -> [(field: String, message: String)] {
        var found: [(String, String)] = []
        if let aipod = body["aipod"]?.stringValue, !isAipod(aipod) {
            found.append(("aipod", "aipod '\(aipod)' is not valid: \(aipodRule)"))
        }
        if let name = body["name"]?.stringValue, !Identifier.isValid(name) {
            found.append(("name", "name '\(name)' is not valid: \(Identifier.rule)"))
        }
        if let labels = body["labels"]?.objectValue {
            for (key, value) in labels {
                if !isLabelKey(key) { found.append(("labels.\(key)", "label key '\(key)' is not valid: \(labelRule)")) }
                if let text = value.stringValue,
                    text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
                {
                    found.append(("labels.\(key)", "label '\(key)' has a control character in its value: \(labelRule)"))
                }
            }
        }
        if let runner = body["runner"] { found += urlProblems(runner, at: "runner") }
        found += mirrorProblems(.object(body), at: "")
        return found
    }

    /// The seed's rule for gitbundles: a task names the repository URL and the workspace ref;
    /// the git mirror is G14/AgentRun infrastructure the runner applies at materialization. So a
    /// task or runner request never declares a mirror: no mirror field, no mirror URL as a
    /// bundle's repository, no direct/mirror switch.
    static let mirrorRule =
        "a task never declares the git mirror: name the GitHub repoUrl and ref; the runner rewrites it to the controlled mirror at materialization (a missing cache is an infrastructure gap, not a task setting)"

    /// Keys that declare a mirror or switch it (compared without case, `-` or `_`).
    static let mirrorKeys: Set<String> = [
        "gitmirror", "mirror", "mirrorurl", "mirrorbaseurl", "fetchrepourl", "mirrorused", "usemirror", "direct", "directfetch",
        "fetchmode", "nomirror",
    ]

    static func mirrorProblems(_ value: Value, at path: String) -> [(field: String, message: String)] {
        switch value {
        case .object(let object):
            return object.flatMap { key, child -> [(field: String, message: String)] in
                let field = path.isEmpty ? key : "\(path).\(key)"
                let normalized = key.lowercased().filter { $0 != "-" && $0 != "_" }
                if mirrorKeys.contains(normalized) { return [(field, "'\(key)' declares the git mirror: \(mirrorRule)")] }
                if key == "repoUrl", let url = child.stringValue, looksLikeMirror(url) {
                    return [(field, "repoUrl is a mirror URL (\(redactedCredentials(url) ?? url)): \(mirrorRule)")]
                }
                return mirrorProblems(child, at: field)
            }
        case .array(let items):
            return items.enumerated().flatMap { mirrorProblems($0.element, at: "\(path)[\($0.offset)]") }
        default:
            return []
        }
    }

    /// A mirror read URL: a `git-mirror` host, or a non-GitHub host serving `/github.com/OWNER/NAME`.
    static func looksLikeMirror(_ url: String) -> Bool {
        guard let scheme = url.firstRange(of: "://") else { return false }
        let rest = url[scheme.upperBound...]
        let host = rest.prefix { $0 != "/" && $0 != "?" }.lowercased()
        let path = rest.dropFirst(host.count).lowercased()
        if host.contains("git-mirror") || host.contains("gitmirror") { return true }
        return !host.hasSuffix("github.com") && path.hasPrefix("/github.com/")
    }

    /// Throws a usage error listing every problem of a task body (nothing is sent).
    static func check(_ body: Object) throws(ArsError) {
        let found = problems(body)
        guard !found.isEmpty else { return }
        throw ArsError.usage(
            .badTask, found.map { "\($0.field): \($0.message)" }.joined(separator: "\n"),
            hint: found.count == 1
                ? "fix it and run the command again; nothing was sent"
                : "fix these \(found.count) problems and run the command again; nothing was sent")
    }

    static func isAipod(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= 63, first.properties.isAlphabetic, first.isASCII else {
            return false
        }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0))
        }
    }

    static func isLabelKey(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        func alnum(_ s: Unicode.Scalar) -> Bool { s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s)) }
        guard let first = scalars.first, let last = scalars.last, scalars.count <= 63, alnum(first), alnum(last) else { return false }
        return scalars.allSatisfy { alnum($0) || "_-./".unicodeScalars.contains($0) }
    }

    /// Query parameter names that carry a credential.
    static let credentialQueryNames = [
        "token", "access_token", "private_token", "key", "apikey", "api_key", "password", "secret", "sig", "signature", "x-amz-signature",
        "auth",
    ]

    /// URLs anywhere in the runner settings (bundles' `repoUrl`, `url`, …) with credentials: a
    /// `user:password@` part, or a credential in the query. The message shows the URL redacted.
    static func urlProblems(_ value: Value, at path: String) -> [(field: String, message: String)] {
        switch value {
        case .object(let object):
            return object.flatMap { urlProblems($0.value, at: "\(path).\($0.key)") }
        case .array(let items):
            return items.enumerated().flatMap { urlProblems($0.element, at: "\(path)[\($0.offset)]") }
        case .string(let text):
            guard let redacted = redactedCredentials(text) else { return [] }
            return [
                (
                    path,
                    "'\(redacted)' carries credentials; a repository URL must not (use the lane's git credentials, never a URL with a user:password@ or a token)"
                )
            ]
        default:
            return []
        }
    }

    /// The URL with its credentials replaced by `[REDACTED]`, or nil when it holds none.
    static func redactedCredentials(_ text: String) -> String? {
        guard let components = URLComponents(string: text), components.scheme != nil, components.host != nil else { return nil }
        var changed = components
        var found = false
        if components.user != nil || components.password != nil {
            changed.user = "[REDACTED]"
            changed.password = nil
            found = true
        }
        if let items = components.queryItems {
            changed.queryItems = items.map { item in
                guard credentialQueryNames.contains(item.name.lowercased()) else { return item }
                found = true
                return URLQueryItem(name: item.name, value: "[REDACTED]")
            }
        }
        guard found else { return nil }
        return changed.string?.percentDecoded() ?? "(a URL with credentials)"
    }
}
