/// Field-by-field checks of request bodies. Each failure is a 400 naming the field, raised
/// before anything is written.
enum Validation {
    static let maximumPromptBytes = 256 * 1024

    /// Checks a create request (or an apply manifest, whose fields sit under `prefix`).
    static func check(_ request: CreateTaskRequest, prefix: String = "") throws(APIError) {
        try identifier(request.aipod, field: prefix + "aipod", maxLength: 64)
        if let name = request.name { try identifier(name, field: prefix + "name", maxLength: 253) }
        try message(request.prompt, field: prefix + "prompt")
        for (key, value) in request.labels ?? [:] {
            guard !key.isEmpty, key.count <= 63, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._/-".contains($0)) })
            else {
                throw .badRequest(field: prefix + "labels", "label key \"\(key)\" must be 1–63 ASCII letters, digits, '.', '_', '/' or '-'")
            }
            guard value.count <= 256 else { throw .badRequest(field: prefix + "labels.\(key)", "a label value is at most 256 characters") }
        }
        if let runner = request.runner { try check(runner, field: prefix + "runner") }
    }

    /// Checks a steer or send message, or a prompt: non-empty, bounded, valid directives.
    static func message(_ text: String, field: String) throws(APIError) {
        guard !text.trimming(" \t\r\n").isEmpty else { throw .badRequest(field: field, "\(field) must not be empty") }
        guard text.utf8.count <= maximumPromptBytes else {
            throw .badRequest(field: field, "\(field) is \(text.utf8.count) bytes; at most \(maximumPromptBytes) are accepted")
        }
        do {
            _ = try Directives(parsing: text)
        } catch {
            throw .badRequest(field: field, error.message)
        }
    }

    // MARK: - Parts

    private static func identifier(_ text: String, field: String, maxLength: Int) throws(APIError) {
        guard !text.isEmpty, text.count <= maxLength,
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else {
            throw .badRequest(field: field, "\(field) must be 1–\(maxLength) ASCII letters, digits, '.', '_' or '-' (got \"\(text)\")")
        }
    }

    private static func check(_ runner: RunnerSpec, field: String) throws(APIError) {
        for (index, bundle) in (runner.bundles ?? []).enumerated() {
            let at = "\(field).bundles[\(index)]"
            if let kind = bundle.kind, kind != "gitbundle" {
                throw .badRequest(field: at + ".kind", "only kind \"gitbundle\" is supported (got \"\(kind)\")")
            }
            try repositoryURL(bundle.repoUrl, field: at + ".repoUrl")
            if let ref = bundle.ref, ref.isEmpty || ref.contains(where: { $0.isWhitespace }) {
                throw .badRequest(field: at + ".ref", "a ref is a non-empty name without spaces")
            }
            if let commit = bundle.commit, commit.count != 40 || !commit.allSatisfy(\.isHexDigit) {
                throw .badRequest(field: at + ".commit", "a pinned commit is 40 hex digits")
            }
        }
        for (index, name) in (runner.transientEnv ?? []).enumerated() {
            guard let first = name.first, first == "_" || (first.isASCII && first.isUppercase),
                name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isUppercase || $0.isNumber)) })
            else {
                throw .badRequest(
                    field: "\(field).transientEnv[\(index)]", "an env name is upper-case letters, digits and '_' (got \"\(name)\")")
            }
        }
    }

    /// An http(s) URL that carries no credentials (bundles declare plain repository URLs).
    private static func repositoryURL(_ text: String, field: String) throws(APIError) {
        let lower = text.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw .badRequest(field: field, "a bundle repoUrl is an http(s) URL (got \"\(text)\")")
        }
        let authority = text.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first ?? ""
        guard !authority.isEmpty, !authority.contains("@") else {
            throw .badRequest(field: field, "a bundle repoUrl names a host and carries no credentials")
        }
    }
}
