@preconcurrency import CCurl
import Commands
import FoundationEssentials
import Glibc

/// The facts about a transfer that ended without a response.
struct CurlFailure: Sendable {
    /// libcurl's result code.
    var code: CURLcode
    /// libcurl's own wording (its error buffer). It never contains request header values.
    var detail: String
    /// The system error behind a failed connect (`CURLINFO_OS_ERRNO`), 0 when there is none.
    var osErrno: Int32
    /// Whether the connection was up and the request about to be sent when it failed.
    var requestSent: Bool
}

/// Turns a libcurl failure into the `ArsError(.remote)` the `HTTPTransport` contract promises.
/// Every message starts with the method and the URL (without any user-info); none contains a
/// header value, so the `Authorization` secret cannot leak through an error.
enum CurlErrorMapping {
    /// The error for a failed transfer of `request`.
    static func error(for failure: CurlFailure, request: HTTPRequest, configuration: CurlHTTPTransport.Configuration) -> ArsError {
        let target = "\(request.method) \(redacted(request.url))"
        let host = URLComponents(string: request.url)?.host ?? "the host"
        switch failure.code {
        case CURLE_COULDNT_CONNECT:
            let reason =
                failure.osErrno == ECONNREFUSED || failure.osErrno == 0
                ? "connection refused" : "could not connect: \(String(cString: strerror(failure.osErrno)))"
            return ArsError(
                .remote, code: .connectionRefused, "\(target): \(reason)",
                hint: "check that the server is running and the base URL is right")
        case CURLE_COULDNT_RESOLVE_HOST:
            return ArsError(
                .remote, code: .dns, "\(target): cannot resolve host \(host)",
                hint: "check the host name in the URL and the network's DNS")
        case CURLE_COULDNT_RESOLVE_PROXY:
            return ArsError(
                .remote, code: .dns, "\(target): cannot resolve the proxy's host",
                hint: "check http_proxy, https_proxy and all_proxy, or list the host in NO_PROXY")
        case CURLE_OPERATION_TIMEDOUT:
            return timeoutError(target: target, failure: failure, request: request, configuration: configuration)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            return ArsError(
                .remote, code: .tls, "\(target): TLS failed: \(failure.detail)",
                hint: "ars always verifies certificates; check the URL's scheme and the server's certificate chain")
        case CURLE_GOT_NOTHING:
            return reset(target, "the server closed the connection without a response")
        case CURLE_SEND_ERROR:
            return reset(target, "the connection failed while sending the request")
        case CURLE_RECV_ERROR:
            return reset(target, "the connection failed while receiving the response")
        case CURLE_PARTIAL_FILE:
            return reset(target, "the connection closed before the whole response arrived")
        default:
            return ArsError(.remote, code: .transport, "\(target): \(failure.detail) (curl error \(failure.code.rawValue))")
        }
    }

    // MARK: - Pieces

    /// Says which timeout expired and its value: the connect timeout (or the total one, when it is
    /// shorter) while connecting, the total one once the request was sent.
    private static func timeoutError(
        target: String, failure: CurlFailure, request: HTTPRequest, configuration: CurlHTTPTransport.Configuration
    ) -> ArsError {
        let total = request.timeout ?? configuration.timeout
        if !failure.requestSent && configuration.connectTimeout <= total {
            return ArsError(
                .remote, code: .connectTimeout,
                "\(target): could not connect within the \(seconds(configuration.connectTimeout)) connect timeout",
                hint: "the host is unreachable or not accepting connections; check the URL and the network")
        }
        let phase = failure.requestSent ? "no complete response" : "could not connect"
        return ArsError(
            .remote, code: .timeout, "\(target): \(phase) within the \(seconds(total)) timeout",
            hint: "the server is slow or stuck; try again, or allow more time")
    }

    private static func reset(_ target: String, _ what: String) -> ArsError {
        ArsError(
            .remote, code: .connectionReset, "\(target): \(what)",
            hint: "the server or something in between dropped the connection; try again")
    }

    /// A duration for a message: "10 s", "0.3 s".
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    /// The URL without any `user:password@` part.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let authorityEnd = url[schemeEnd.upperBound...].firstIndex { "/?#".contains($0) } ?? url.endIndex
        guard let at = url[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd.upperBound]) + "***@" + String(url[url.index(after: at)...])
    }
}
