import Foundation

/// The one JSON configuration used for responses and stored documents: sorted keys (stable,
/// diffable output) and unescaped slashes (URLs and tool names such as `turn/plan/updated`
/// read as written).
enum JSONCoding {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static var decoder: JSONDecoder { JSONDecoder() }
}
