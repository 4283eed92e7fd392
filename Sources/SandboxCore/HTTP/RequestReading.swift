import Foundation
import Hummingbird

/// Reading path parameters, query values and JSON bodies, each failure a 400 naming the field.
enum RequestReading {
    /// The largest body accepted (prompts are at most 256 KiB; apply may carry several).
    static let maximumBodyBytes = 4 * 1024 * 1024

    // MARK: - Bodies

    /// Decodes the JSON body as `T`.
    static func body<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        guard let data = try await bodyData(request) else {
            throw APIError.badRequest(field: "body", "a JSON body is required")
        }
        return try decode(type, from: data)
    }

    /// Decodes the JSON body as `T`, or nil when the body is empty.
    static func optionalBody<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T? {
        try await bodyData(request).map { try decode(type, from: $0) }
    }

    private static func bodyData(_ request: Request) async throws -> Data? {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBodyBytes)
        } catch {
            throw APIError.badRequest(field: "body", "the body is larger than \(maximumBodyBytes) bytes")
        }
        let bytes = buffer.readableBytesView
        return bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) ? nil : Data(bytes)
    }

    private static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try JSONCoding.decoder.decode(type, from: data)
        } catch let error as DecodingError {
            throw badRequest(for: error)
        }
    }

    /// Turns a decoding failure into a 400 naming the field (`items[0].name`, `labels.issue`).
    private static func badRequest(for error: DecodingError) -> APIError {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .badRequest(field: field, "missing field \(field)")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return .badRequest(field: field, "\(field) must be \(describe(type))")
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return .badRequest(field: field, "\(field) must be \(describe(type)), not null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let reason = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
                return .badRequest(field: "body", "the body is not valid JSON" + (reason.map { ": \($0)" } ?? ""))
            }
            let field = path(context.codingPath)
            return .badRequest(field: field, "\(field) is malformed: \(context.debugDescription)")
        @unknown default:
            return .badRequest(field: "body", "the body could not be read: \(error)")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        guard !keys.isEmpty else { return "body" }
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }

    // MARK: - Path and query

    /// A path parameter (always present on a matched route).
    static func parameter(_ name: String, _ context: SandboxRequestContext) throws -> String {
        guard let value = context.parameters.get(name) else { throw APIError.badRequest(field: name, "missing path parameter \(name)") }
        return value
    }

    /// The value of a query parameter, nil when absent.
    static func query(_ name: String, _ request: Request) -> String? {
        request.uri.queryParameters[values: name[...]].last.map(String.init)
    }

    /// `limit` and `cursor` of a list request.
    static func page(_ request: Request) throws -> PageRequest {
        var page = PageRequest()
        page.limit = try limit(request)
        if let token = query("cursor", request), !token.isEmpty {
            guard let cursor = Cursor(token: token) else {
                throw APIError.badRequest(field: "cursor", "cursor is not one this server handed out")
            }
            page.cursor = cursor
        }
        return page
    }

    /// `limit`: 1–200, default 50.
    static func limit(_ request: Request) throws -> Int {
        guard let text = query("limit", request) else { return PageRequest.defaultLimit }
        guard let limit = Int(text), (1...PageRequest.maximumLimit).contains(limit) else {
            throw APIError.badRequest(
                field: "limit", "limit must be a whole number from 1 to \(PageRequest.maximumLimit) (got \"\(text)\")")
        }
        return limit
    }

    /// `afterSeq`: a sequence number ≥ 0, default 0.
    static func afterSeq(_ request: Request) throws -> Int64 {
        guard let text = query("afterSeq", request) else { return 0 }
        guard let value = Int64(text), value >= 0 else {
            throw APIError.badRequest(field: "afterSeq", "afterSeq must be a whole number ≥ 0 (got \"\(text)\")")
        }
        return value
    }

    /// A boolean query flag: `true`/`false` (or `1`/`0`), default false.
    static func flag(_ name: String, _ request: Request) throws -> Bool {
        guard let text = query(name, request) else { return false }
        switch text {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badRequest(field: name, "\(name) must be true or false (got \"\(text)\")")
        }
    }

    /// `waitMs` of a follow: 0–30000, default 20000.
    static func waitMilliseconds(_ request: Request) throws -> Int {
        guard let text = query("waitMs", request) else { return 20_000 }
        guard let value = Int(text), (0...30_000).contains(value) else {
            throw APIError.badRequest(field: "waitMs", "waitMs must be a whole number from 0 to 30000 (got \"\(text)\")")
        }
        return value
    }

    /// A query value that must be one of an enum's raw values.
    static func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type, _ request: Request) throws -> T?
    where T.RawValue == String {
        guard let text = query(name, request) else { return nil }
        guard let value = T(rawValue: text) else {
            let known = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.badRequest(field: name, "\(name) must be one of \(known) (got \"\(text)\")")
        }
        return value
    }

    /// Every `label=k=v` filter.
    static func labels(_ request: Request) throws -> [(String, String)] {
        try request.uri.queryParameters[values: "label"].map { text in
            let parts = text.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw APIError.badRequest(field: "label", "label must read key=value (got \"\(text)\")")
            }
            return (String(parts[0]), String(parts[1]))
        }
    }
}
