#if canImport(Glibc)
    import Glibc
#endif

/// File path arithmetic on strings, as NSString's path methods did it (ars links
/// FoundationEssentials only): no trailing slashes, `/` kept as the root.
public enum Paths {
    /// `base/component`, with one slash between them.
    public static func join(_ base: String, _ component: String) -> String {
        if base.isEmpty { return component }
        if component.isEmpty { return base }
        let left = base.hasSuffix("/") ? String(base.dropLast()) : base
        let right = component.hasPrefix("/") ? String(component.dropFirst()) : component
        return left + "/" + right
    }

    /// The last component: `b` for `/a/b` and `/a/b/`, `/` for `/`.
    public static func lastComponent(_ path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        if trimmed == "/" || trimmed.isEmpty { return trimmed }
        return trimmed.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? trimmed
    }

    /// The path without its last component: `/a` for `/a/b`, `/` for `/a`, `` for `a`.
    public static func parent(_ path: String) -> String {
        let trimmed = withoutTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        return withoutTrailingSlashes(String(trimmed[..<slash]))
    }

    /// `$HOME`, else the user's home directory from the password database.
    public static func home(_ environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        #if canImport(Glibc)
            if let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir { return String(cString: directory) }
        #endif
        return "/"
    }

    private static func withoutTrailingSlashes(_ path: String) -> String {
        var text = Substring(path)
        while text.count > 1, text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
