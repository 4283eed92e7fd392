@preconcurrency import CCurl
import Commands
import FoundationEssentials

/// libcurl's process-wide set-up, run once before the first handle is made.
private let curlGlobalInitialisation: CURLcode = ars_curl_global_init()

/// The easy handle every request reuses, driven by a multi handle whose connection cache keeps the
/// connection alive between requests, and whose poll can be woken to cancel a transfer at once.
///
/// Not thread-safe: `CurlHTTPTransport` uses it from one serial queue, behind a mutex.
final class CurlConnection {
    /// Wakes `run`'s wait for network activity from another thread.
    let waker: CurlWaker
    /// Timeouts, User-Agent and the environment proxies come from.
    let configuration: CurlHTTPTransport.Configuration
    /// The proxy options derived from `configuration.environment`.
    let proxies: ProxySettings
    /// The one easy handle (`CURL *`) every request reuses.
    let easy: UnsafeMutableRawPointer
    /// The multi handle (`CURLM *`) that drives it and holds the connection cache.
    private let multi: UnsafeMutableRawPointer
    /// Where libcurl writes the detail of its last error (`CURLOPT_ERRORBUFFER`).
    private let errorBuffer: UnsafeMutablePointer<CChar>

    // MARK: - Lifecycle

    init(configuration: CurlHTTPTransport.Configuration) throws {
        guard curlGlobalInitialisation == CURLE_OK, let easy = curl_easy_init() else {
            throw ArsError(.internal, code: .curlInit, "libcurl could not be initialised")
        }
        guard let multi = curl_multi_init() else {
            curl_easy_cleanup(easy)
            throw ArsError(.internal, code: .curlInit, "libcurl could not be initialised")
        }
        self.easy = easy
        self.multi = multi
        self.configuration = configuration
        proxies = ProxySettings(environment: configuration.environment)
        waker = CurlWaker(multi: multi)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try applyFixedOptions()
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_multi_cleanup(multi)
        errorBuffer.deallocate()
    }

    /// Options that hold for every request.
    private func applyFixedOptions() throws {
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_USERAGENT, configuration.userAgent)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        try set(CURLOPT_TCP_NODELAY, 1)
        try set(CURLOPT_ACCEPT_ENCODING, "")
        try set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(configuration.connectTimeout))
        try check(ars_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), CURLOPT_ERRORBUFFER)
        try check(ars_curl_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION, CurlCallbacks.body), CURLOPT_WRITEFUNCTION)
        try check(ars_curl_setopt_write_callback(easy, CURLOPT_HEADERFUNCTION, CurlCallbacks.header), CURLOPT_HEADERFUNCTION)
        try check(ars_curl_setopt_xferinfo_callback(easy, CURLOPT_XFERINFOFUNCTION, CurlCallbacks.progress), CURLOPT_XFERINFOFUNCTION)
        try check(ars_curl_setopt_prereq_callback(easy, CURLOPT_PREREQFUNCTION, CurlCallbacks.prerequest), CURLOPT_PREREQFUNCTION)
        try set(CURLOPT_NOPROGRESS, 0)
    }

    // MARK: - One exchange

    /// Carries out one request on the reused handle. Throws `CancellationError` when `cancellation`
    /// is set before or during the transfer, and `ArsError(.remote)` when no response arrives.
    func perform(_ request: HTTPRequest, cancellation: CancellationFlag) throws -> HTTPResponse {
        guard !cancellation.isCancelled else { throw CancellationError() }
        let headerList = try CurlHeaderList(request)
        defer { release(headerList) }
        try configure(for: request, headers: headerList)

        let transfer = CurlTransfer(cancellation: cancellation)
        attach(transfer.opaquePointer)
        defer { attach(nil) }
        errorBuffer[0] = 0
        let result = try withExtendedLifetime(transfer) { try run() }

        if result == CURLE_ABORTED_BY_CALLBACK && cancellation.isCancelled { throw CancellationError() }
        guard result == CURLE_OK else {
            throw CurlErrorMapping.error(
                for: failure(result, requestSent: transfer.requestSent), request: request, configuration: configuration)
        }
        return HTTPResponse(status: longInfo(CURLINFO_RESPONSE_CODE), headers: transfer.headers, body: transfer.body, timings: timings())
    }

    /// Points the callbacks' user data at a transfer, or at nothing between transfers.
    private func attach(_ context: UnsafeMutableRawPointer?) {
        for option in [CURLOPT_WRITEDATA, CURLOPT_HEADERDATA, CURLOPT_XFERINFODATA, CURLOPT_PREREQDATA] {
            _ = ars_curl_setopt_pointer(easy, option, context)
        }
    }

    /// Drives the transfer to its end and returns its result. A cancellation wakes the poll, the
    /// next `curl_multi_perform` calls the progress callback, and that aborts the transfer.
    private func run() throws -> CURLcode {
        try check(curl_multi_add_handle(multi, easy))
        defer { curl_multi_remove_handle(multi, easy) }
        while true {
            var running: Int32 = 0
            try check(curl_multi_perform(multi, &running))
            if let result = finishedResult() { return result }
            try check(curl_multi_poll(multi, nil, 0, 1000, nil))
        }
    }

    /// The result of the finished transfer, if it has finished.
    private func finishedResult() -> CURLcode? {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            if message.pointee.msg == CURLMSG_DONE { return message.pointee.data.result }
        }
        return nil
    }

    // MARK: - Reading the outcome

    /// Where the time went, from libcurl's microsecond `*_TIME_T` infos.
    private func timings() -> HTTPTimings {
        func seconds(_ info: CURLINFO) -> Double {
            var micros: curl_off_t = 0
            _ = ars_curl_getinfo_off(easy, info, &micros)
            return Double(micros) / 1_000_000
        }
        return HTTPTimings(
            dns: seconds(CURLINFO_NAMELOOKUP_TIME_T),
            connect: seconds(CURLINFO_CONNECT_TIME_T),
            tls: seconds(CURLINFO_APPCONNECT_TIME_T),
            firstByte: seconds(CURLINFO_STARTTRANSFER_TIME_T),
            total: seconds(CURLINFO_TOTAL_TIME_T),
            newConnections: longInfo(CURLINFO_NUM_CONNECTS))
    }

    /// The facts about a failed transfer that its error message is made from.
    private func failure(_ result: CURLcode, requestSent: Bool) -> CurlFailure {
        let buffered = String(cString: errorBuffer)
        let detail = buffered.isEmpty ? String(cString: curl_easy_strerror(result)) : buffered
        return CurlFailure(code: result, detail: detail, osErrno: Int32(longInfo(CURLINFO_OS_ERRNO)), requestSent: requestSent)
    }

    /// A `long` info of the last transfer.
    private func longInfo(_ info: CURLINFO) -> Int {
        var value = 0
        _ = ars_curl_getinfo_long(easy, info, &value)
        return value
    }

    // MARK: - Setting options

    /// Sets a `long` option.
    func set(_ option: CURLoption, _ value: Int) throws {
        try check(ars_curl_setopt_long(easy, option, value), option)
    }

    /// Sets a string option (libcurl copies it); nil restores the option's default.
    func set(_ option: CURLoption, _ value: String?) throws {
        let code = value.map { $0.withCString { ars_curl_setopt_string(easy, option, $0) } } ?? ars_curl_setopt_string(easy, option, nil)
        try check(code, option)
    }

    /// Throws `ArsError(.internal)` when libcurl refused an option (only a bug or a libcurl built
    /// without a feature makes it do so).
    func check(_ code: CURLcode, _ option: CURLoption) throws {
        guard code != CURLE_OK else { return }
        throw ArsError(
            .internal, code: .curlOption, "libcurl refused option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))")
    }

    /// Throws `ArsError(.internal)` when the multi interface reports a failure.
    private func check(_ code: CURLMcode) throws {
        guard code != CURLM_OK else { return }
        throw ArsError(.internal, code: .curlMulti, "libcurl's transfer loop failed: \(String(cString: curl_multi_strerror(code)))")
    }
}

/// Interrupts `curl_multi_poll` from another thread; `curl_multi_wakeup` is documented as
/// thread-safe, which is what makes this type safe to share.
struct CurlWaker: @unchecked Sendable {
    fileprivate let multi: UnsafeMutableRawPointer

    /// Makes a waiting `curl_multi_poll` return now.
    func wake() {
        _ = curl_multi_wakeup(multi)
    }
}

/// Milliseconds for libcurl's `*_MS` options, at least 1 (0 would mean "no limit").
func milliseconds(_ seconds: Double) -> Int {
    max(1, Int((seconds * 1000).rounded()))
}
