@preconcurrency import CCurl
import Commands
import FoundationEssentials

/// What one transfer collects. libcurl's callbacks are C functions and cannot capture, so each
/// receives this object back through the `…DATA` pointer (`Unmanaged`, unretained: the
/// connection keeps the transfer alive for the duration of the transfer).
final class CurlTransfer {
    /// Checked by the progress callback; a set flag aborts the transfer (curl error 42).
    let cancellation: CancellationFlag
    /// The response body as received (already decoded when the server compressed it).
    var body = Data()
    /// The header fields of the final response, in order.
    var headers: [HTTPHeader] = []
    /// Whether a connection was established (or reused) and the request was about to be sent;
    /// tells a connect timeout from a timeout waiting for the response.
    var requestSent = false

    init(cancellation: CancellationFlag) {
        self.cancellation = cancellation
    }

    /// The pointer handed to libcurl as the callbacks' user data.
    var opaquePointer: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    /// The transfer behind a callback's user-data pointer (nil between transfers).
    static func from(_ pointer: UnsafeMutableRawPointer?) -> CurlTransfer? {
        pointer.map { Unmanaged<CurlTransfer>.fromOpaque($0).takeUnretainedValue() }
    }

    // MARK: - Header lines

    /// Records one raw header line. A status line starts a new header block (an interim `100` or
    /// a proxy's `CONNECT` reply comes before the final response), so only the last block stays.
    func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
        // Bytes, not Foundation's trimming: this runs for every header line of every response.
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = 0
        var end = line.count
        while start < end, isSpace(line[start]) { start += 1 }
        while end > start, isSpace(line[end - 1]) { end -= 1 }
        let trimmed = line[start..<end]
        if trimmed.starts(with: "HTTP/".utf8) {
            headers.removeAll()
            return
        }
        guard let colon = trimmed.firstIndex(of: UInt8(ascii: ":")) else { return }
        var valueStart = colon + 1
        while valueStart < end, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        headers.append(
            HTTPHeader(
                String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<colon]), as: UTF8.self),
                String(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart..<end]), as: UTF8.self)))
    }
}

// MARK: - C callbacks

/// The C functions libcurl calls during a transfer. Each finds its `CurlTransfer` through the
/// user-data pointer; with none attached (between transfers) they accept and ignore.
enum CurlCallbacks {
    /// `CURLOPT_WRITEFUNCTION`: appends body bytes.
    static let body: curl_write_callback = { bytes, size, count, context in
        let length = size * count
        if let transfer = CurlTransfer.from(context), let bytes, length > 0 {
            transfer.body.append(UnsafeRawBufferPointer(start: bytes, count: length).assumingMemoryBound(to: UInt8.self))
        }
        return length
    }

    /// `CURLOPT_HEADERFUNCTION`: receives one complete header line per call.
    static let header: curl_write_callback = { bytes, size, count, context in
        let length = size * count
        if let transfer = CurlTransfer.from(context), let bytes {
            transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: bytes, count: length))
        }
        return length
    }

    /// `CURLOPT_XFERINFOFUNCTION`: returning non-zero aborts the transfer with
    /// `CURLE_ABORTED_BY_CALLBACK`; that is how cancellation reaches a running transfer.
    static let progress: curl_xferinfo_callback = { context, _, _, _, _ in
        CurlTransfer.from(context)?.cancellation.isCancelled == true ? 1 : 0
    }

    /// `CURLOPT_PREREQFUNCTION`: called once the connection is up (new or reused), just before
    /// the request goes out.
    static let prerequest: curl_prereq_callback = { context, _, _, _, _ in
        CurlTransfer.from(context)?.requestSent = true
        return CURL_PREREQFUNC_OK
    }
}
