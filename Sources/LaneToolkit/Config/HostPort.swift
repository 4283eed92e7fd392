/// `HOST:PORT` as the catalogue writes an address (`127.0.0.1:18080`, `edge.internal:8443`,
/// `[::1]:8080`): a host of letters, digits, `.`, `-`, `:` and brackets, and a port 1–65535.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        let host = String(text[..<colon])
        // A name or an address (`[::1]` too), nothing a Caddyfile or a shell would read as syntax.
        guard !host.isEmpty, !host.hasPrefix("-"),
            host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) })
        else {
            return nil
        }
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}

/// DNS names as the catalogue writes them (a public host, a Secret's name): letters, digits, `-`
/// and `.`, starting and ending with a letter or digit — nothing a Caddyfile, kubectl or a shell
/// would read as syntax.
public enum DNSName {
    public static func isValid(_ text: String) -> Bool {
        guard let first = text.first, let last = text.last, text.count <= 253, first.isASCII, last.isASCII,
            first.isLetter || first.isNumber, last.isLetter || last.isNumber
        else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
    }
}
