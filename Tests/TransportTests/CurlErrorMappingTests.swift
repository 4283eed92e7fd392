@preconcurrency import CCurl
import Commands
import Foundation
import Glibc
import Testing
@testable import Transport

/// The mapping of libcurl results that the loopback tests cannot provoke reliably (DNS, certificate
/// verification, receive errors) and the pieces messages are built from.
@Suite("libcurl failures to ArsError")
struct CurlErrorMappingTests {
    let configuration = CurlHTTPTransport.Configuration(connectTimeout: 10, timeout: 60, environment: [:])

    func mapped(
        _ code: CURLcode, detail: String = "detail", osErrno: Int32 = 0, requestSent: Bool = false,
        url: String = "https://api.example.test/v1/tasks"
    ) -> ArsError {
        CurlErrorMapping.error(
            for: CurlFailure(code: code, detail: detail, osErrno: osErrno, requestSent: requestSent),
            request: HTTPRequest(url: url), configuration: configuration)
    }

    @Test("each libcurl result lands on its documented code, always of kind remote")
    func codes() {
        let expected: [(CURLcode, String)] = [
            (CURLE_COULDNT_CONNECT, "connection-refused"), (CURLE_COULDNT_RESOLVE_HOST, "dns"), (CURLE_COULDNT_RESOLVE_PROXY, "dns"),
            (CURLE_SSL_CONNECT_ERROR, "tls"), (CURLE_PEER_FAILED_VERIFICATION, "tls"), (CURLE_SSL_CACERT_BADFILE, "tls"),
            (CURLE_GOT_NOTHING, "connection-reset"), (CURLE_SEND_ERROR, "connection-reset"), (CURLE_RECV_ERROR, "connection-reset"),
            (CURLE_PARTIAL_FILE, "connection-reset"), (CURLE_WEIRD_SERVER_REPLY, "transport"), (CURLE_URL_MALFORMAT, "transport"),
        ]
        for (code, name) in expected {
            let error = mapped(code)
            #expect(error.code.rawValue == name, "curl error \(code.rawValue)")
            #expect(error.kind == .remote)
            #expect(error.message.hasPrefix("GET https://api.example.test/v1/tasks: "))
        }
    }

    @Test("a DNS failure names the host; a certificate failure keeps libcurl's reason")
    func wording() {
        #expect(mapped(CURLE_COULDNT_RESOLVE_HOST).message == "GET https://api.example.test/v1/tasks: cannot resolve host api.example.test")
        let tls = mapped(CURLE_PEER_FAILED_VERIFICATION, detail: "SSL certificate problem: self-signed certificate")
        #expect(tls.message == "GET https://api.example.test/v1/tasks: TLS failed: SSL certificate problem: self-signed certificate")
        #expect(
            mapped(CURLE_WEIRD_SERVER_REPLY, detail: "Unsupported HTTP version").message
                == "GET https://api.example.test/v1/tasks: Unsupported HTTP version (curl error 8)")
    }

    @Test("a failed connect that was not refused says what the system reported")
    func unreachable() {
        let error = mapped(CURLE_COULDNT_CONNECT, osErrno: EHOSTUNREACH)
        #expect(error.code == .connectionRefused)
        #expect(error.message == "GET https://api.example.test/v1/tasks: could not connect: No route to host")
    }

    @Test("a timeout says which one: connect before the request went out, the total one after")
    func timeouts() {
        #expect(
            mapped(CURLE_OPERATION_TIMEDOUT, requestSent: false).message
                == "GET https://api.example.test/v1/tasks: could not connect within the 10 s connect timeout")
        let late = mapped(CURLE_OPERATION_TIMEDOUT, requestSent: true)
        #expect(late.code == .timeout)
        #expect(late.message == "GET https://api.example.test/v1/tasks: no complete response within the 60 s timeout")
    }

    @Test("user-info is removed from URLs in messages")
    func redaction() {
        #expect(CurlErrorMapping.redacted("https://bob:pw@host:8443/a@b?c=@") == "https://***@host:8443/a@b?c=@")
        #expect(CurlErrorMapping.redacted("http://host/path@x") == "http://host/path@x")
        #expect(CurlErrorMapping.redacted("not a url") == "not a url")
        #expect(mapped(CURLE_COULDNT_CONNECT, url: "http://u:secret@h/x").message == "GET http://***@h/x: connection refused")
    }

    @Test("durations read naturally")
    func durations() {
        #expect(CurlErrorMapping.seconds(10) == "10 s")
        #expect(CurlErrorMapping.seconds(0.3) == "0.3 s")
    }
}

@Suite("Proxy settings from the environment")
struct ProxySettingsTests {
    @Test("scheme-specific variables win over all_proxy; lower case over upper case; HTTP_PROXY is ignored")
    func precedence() {
        let settings = ProxySettings(environment: [
            "http_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2", "https_proxy": "http://lower:2",
            "all_proxy": "http://all:3", "ALL_PROXY": "http://ALL:3", "HTTP_PROXY": "http://ignored:4",
        ])
        #expect(settings.proxy(for: "http://a/b") == "http://lower:1")
        #expect(settings.proxy(for: "HTTPS://a/b") == "http://lower:2")
        #expect(ProxySettings(environment: ["HTTPS_PROXY": "http://upper:2"]).proxy(for: "https://a") == "http://upper:2")
        #expect(ProxySettings(environment: ["HTTP_PROXY": "http://ignored:4"]).proxy(for: "http://a") == "")
        #expect(ProxySettings(environment: ["ALL_PROXY": "http://ALL:3"]).proxy(for: "http://a") == "http://ALL:3")
        #expect(ProxySettings(environment: ["http_proxy": ""]).proxy(for: "http://a") == "")
    }

    @Test("no_proxy wins over NO_PROXY; none means no exceptions")
    func noProxy() {
        #expect(ProxySettings(environment: ["no_proxy": "a", "NO_PROXY": "b"]).noProxy == "a")
        #expect(ProxySettings(environment: ["NO_PROXY": "b"]).noProxy == "b")
        #expect(ProxySettings(environment: [:]).noProxy == "")
    }
}
