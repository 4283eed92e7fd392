import Foundation
import Hummingbird

/// The JSON envelope of every response: `{"ok": true, "data": …, "requestId"}` or
/// `{"ok": false, "error": {code, message, details}, "requestId"}`.
enum Envelope {
    /// A success response carrying `data`.
    static func success(_ data: some Encodable, status: HTTPResponse.Status = .ok, requestId: String) throws -> Response {
        try response(SuccessBody(data: data, requestId: requestId), status: status, requestId: requestId)
    }

    /// A failure response for `error`.
    static func failure(_ error: APIError, requestId: String) -> Response {
        let body = FailureBody(error: .init(code: error.code, message: error.message, details: error.details), requestId: requestId)
        let status = HTTPResponse.Status(code: error.status)
        // Encoding plain strings and JSON values cannot fail; fall back to a fixed body anyway.
        return (try? response(body, status: status, requestId: requestId))
            ?? Response(
                status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"ok":false}"#)))
    }

    /// The encoded bytes of a success body (long-polls write them themselves).
    static func encodeSuccess(_ data: some Encodable, requestId: String) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONCoding.encoder.encode(SuccessBody(data: data, requestId: requestId)))
    }

    /// Headers every envelope response carries.
    static func headers(requestId: String) -> HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.requestId] = requestId
        return fields
    }

    // MARK: - Bodies

    private struct SuccessBody<Data: Encodable>: Encodable {
        let ok = true
        let data: Data
        let requestId: String

        enum CodingKeys: String, CodingKey { case ok, data, requestId }
    }

    private struct FailureBody: Encodable {
        struct ErrorBody: Encodable {
            let code: String
            let message: String
            let details: [String: JSONValue]
        }

        let ok = false
        let error: ErrorBody
        let requestId: String

        enum CodingKeys: String, CodingKey { case ok, error, requestId }
    }

    private static func response(_ body: some Encodable, status: HTTPResponse.Status, requestId: String) throws -> Response {
        let bytes = ByteBuffer(bytes: try JSONCoding.encoder.encode(body))
        return Response(status: status, headers: headers(requestId: requestId), body: .init(byteBuffer: bytes))
    }
}
