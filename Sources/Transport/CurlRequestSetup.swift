@preconcurrency import CCurl
import Commands
import FoundationEssentials

// MARK: - Per-request options

extension CurlConnection {
    /// Sets every option that depends on the request. Each is set on every request, so nothing
    /// carries over from the previous one: after a POST, `CURLOPT_HTTPGET` makes the next
    /// request a plain GET again.
    func configure(for request: HTTPRequest, headers: CurlHeaderList) throws {
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_HTTPGET, 1)
        try set(CURLOPT_CUSTOMREQUEST, nil)
        let method = request.method.uppercased()
        if method == "HEAD" {
            try set(CURLOPT_NOBODY, 1)
        } else if method == "POST" || request.body != nil {
            try setBody(request.body ?? Data())
            if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, method) }
        } else if method != "GET" {
            try set(CURLOPT_CUSTOMREQUEST, method)
        }
        try check(ars_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, headers.list), CURLOPT_HTTPHEADER)
        try set(CURLOPT_TIMEOUT_MS, milliseconds(request.timeout ?? configuration.timeout))
        try set(CURLOPT_PROXY, proxies.proxy(for: request.url))
        try set(CURLOPT_NOPROXY, proxies.noProxy)
        try set(CURLOPT_CAINFO, request.caFile ?? Self.systemCAFile)
    }

    /// The CA bundle libcurl was built to use (`/etc/ssl/certs/ca-certificates.crt` on Debian),
    /// which a request without a `caFile` goes back to.
    static let systemCAFile: String? = curl_version_info(CURLVERSION_TENTH)?.pointee.cainfo.map { String(cString: $0) }

    /// Detaches the header list from the handle, then frees it.
    func release(_ headers: CurlHeaderList) {
        _ = ars_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, nil)
        curl_slist_free_all(headers.list)
    }

    /// Makes the request a POST with this body; libcurl copies it, so it may be binary or empty.
    private func setBody(_ body: Data) throws {
        try check(ars_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), CURLOPT_POSTFIELDSIZE_LARGE)
        if body.isEmpty {
            try set(CURLOPT_COPYPOSTFIELDS, "")
            return
        }
        try body.withUnsafeBytes { bytes in
            try check(
                ars_curl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)),
                CURLOPT_COPYPOSTFIELDS)
        }
    }
}

// MARK: - Header list

/// The request's header fields as a libcurl list, plus the lines that switch off libcurl defaults
/// the caller did not ask for: `Expect: 100-continue` (a needless round trip for large bodies) and,
/// for a body without a `Content-Type`, the `application/x-www-form-urlencoded` libcurl would claim.
struct CurlHeaderList {
    /// Owned by whoever made it: free with `CurlConnection.release(_:)`.
    let list: UnsafeMutablePointer<curl_slist>?

    /// Throws `ArsError(.invalidInput, code: .badHeader)` for a field that would break the
    /// request framing; the message names the field, never its value.
    init(_ request: HTTPRequest) throws {
        var lines: [String] = []
        for header in request.headers {
            guard Self.isValid(header) else {
                throw ArsError.invalidInput(
                    .badHeader, "header field \(header.name.debugDescription) of \(request.method) request is malformed",
                    hint: "header names are tokens; values cannot contain line breaks")
            }
            // libcurl drops a field given as "Name:"; "Name;" sends it with an empty value.
            lines.append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        let names = Set(request.headers.map { $0.name.lowercased() })
        if !names.contains("expect") { lines.append("Expect:") }
        if request.body != nil || request.method.uppercased() == "POST", !names.contains("content-type") {
            lines.append("Content-Type:")
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let extended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw ArsError(.internal, code: .outOfMemory, "could not build the header list of \(request.method) request")
            }
            list = extended
        }
        self.list = list
    }

    /// A name is a non-empty token; a value has no CR, LF or NUL (checked per scalar, since
    /// "\r\n" is a single `Character`).
    private static func isValid(_ header: HTTPHeader) -> Bool {
        let breaksValue: (Unicode.Scalar) -> Bool = { $0 == "\r" || $0 == "\n" || $0 == "\0" }
        let breaksName: (Unicode.Scalar) -> Bool = { breaksValue($0) || $0 == ":" || $0 == " " || $0 == "\t" }
        return !header.name.isEmpty && !header.name.unicodeScalars.contains(where: breaksName)
            && !header.value.unicodeScalars.contains(where: breaksValue)
    }
}
