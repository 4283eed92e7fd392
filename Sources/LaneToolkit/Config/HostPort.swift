/// `HOST:PORT` as the catalogue writes an address (`127.0.0.1:18080`, `edge.internal:8443`,
/// `[::1]:8080`): a host without white space and a port 1–65535.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty, !host.hasPrefix("-"), !host.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "/" }) else {
            return nil
        }
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}
