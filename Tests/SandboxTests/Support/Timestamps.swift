import Foundation

extension ISO8601DateFormatter {
    /// RFC 3339 with milliseconds, as the sandbox writes timestamps.
    static var withMilliseconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
