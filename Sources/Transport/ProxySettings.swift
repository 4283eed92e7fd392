/// The proxy configuration of an environment, read by libcurl's own rules, so that the transport
/// honours the environment it is given (the session's) rather than whatever the process has:
///
/// - the proxy for a URL is `<scheme>_proxy` (lower case; for schemes other than http also
///   `<SCHEME>_PROXY` — libcurl ignores `HTTP_PROXY`, which a CGI request could set), then
///   `all_proxy`, then `ALL_PROXY`;
/// - hosts that go direct are listed in `no_proxy`, else `NO_PROXY` (matched by libcurl: host
///   names, domain suffixes, IP addresses and CIDR ranges, `*` for all).
struct ProxySettings: Sendable, Equatable {
    private let environment: [String: String]

    /// The `CURLOPT_NOPROXY` value: the hosts reached directly ("" when there are none).
    let noProxy: String

    init(environment: [String: String]) {
        self.environment = environment
        noProxy = Self.nonEmpty(environment["no_proxy"]) ?? Self.nonEmpty(environment["NO_PROXY"]) ?? ""
    }

    /// The `CURLOPT_PROXY` value for a URL ("" for a direct connection).
    func proxy(for url: String) -> String {
        // The scheme: letters up to `:` (no substring search; this runs for every request).
        let colon = url.firstIndex(of: ":")
        let scheme = colon.map { url[..<$0].lowercased() }.flatMap { $0.allSatisfy(\.isLetter) && !$0.isEmpty ? $0 : nil } ?? "http"
        var names = ["\(scheme)_proxy"]
        if scheme != "http" { names.append("\(scheme.uppercased())_PROXY") }
        names += ["all_proxy", "ALL_PROXY"]
        return names.lazy.compactMap { Self.nonEmpty(environment[$0]) }.first ?? ""
    }

    private static func nonEmpty(_ value: String?) -> String? {
        value.flatMap { $0.isEmpty ? nil : $0 }
    }
}
