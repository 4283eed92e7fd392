import Foundation

/// The filters of a list request: indexed columns and task labels, all of which must match.
struct ListFilter: Sendable {
    /// A filterable column of the resource tables.
    enum Column: String, Sendable {
        case taskId = "task_id"
        case status, kind, aipod
    }

    var columns: [(Column, String)] = []
    /// Label filters (`key`, `value`); tasks only.
    var labels: [(String, String)] = []
}

/// `limit` (1–200, default 50) and the `cursor` of the previous page.
struct PageRequest: Sendable {
    static let defaultLimit = 50
    static let maximumLimit = 200

    var limit: Int = PageRequest.defaultLimit
    var cursor: Cursor? = nil
}

/// An opaque page cursor: the creation ordinal of the last item shown, so the next page starts
/// strictly after it even while new items arrive.
struct Cursor: Sendable, Equatable {
    let ordinal: Int64

    init(ordinal: Int64) {
        self.ordinal = ordinal
    }

    /// Reads a token from a previous page; nil when it is not one.
    init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
            let text = String(data: data, encoding: .utf8), text.hasPrefix("before:"),
            let ordinal = Int64(text.dropFirst("before:".count)), ordinal > 0
        else { return nil }
        self.ordinal = ordinal
    }

    /// The token handed to the client (URL-safe base64, no padding).
    var token: String {
        Data("before:\(ordinal)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
