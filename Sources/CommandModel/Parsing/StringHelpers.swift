// String helpers without Foundation: ars links FoundationEssentials only (no ICU), so these
// stand in for `trimmingCharacters(in:)`, `removingPercentEncoding` and `String(format:)`.

extension StringProtocol {
    /// The text without Unicode white space or line breaks at either end (Foundation's
    /// `.whitespacesAndNewlines`).
    public func trimmingWhitespace() -> String {
        trimming { $0.properties.isWhitespace }
    }

    /// The text without Unicode white space other than line breaks at either end (Foundation's
    /// `.whitespaces`: spaces and tabs, not newlines).
    public func trimmingSpaces() -> String {
        trimming { $0.properties.isWhitespace && !Character($0).isNewline }
    }

    /// The text without any of `characters` (each a single Unicode scalar) at either end.
    public func trimming(anyOf characters: String) -> String {
        let set = Set(characters.unicodeScalars)
        return trimming { set.contains($0) }
    }

    /// The text without the scalars `drop` holds for at either end.
    public func trimming(where drop: (Unicode.Scalar) -> Bool) -> String {
        let scalars = Substring(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !drop($0) }), let last = scalars.lastIndex(where: { !drop($0) }) else { return "" }
        return String(scalars[first...last])
    }

    /// The text with every `%XX` decoded; nil when an escape is malformed or the bytes are not
    /// UTF-8 (as `removingPercentEncoding`).
    public func percentDecoded() -> String? {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The text without ASCII white space (space, tab, CR, LF) at either end — on UTF-8 bytes, for
    /// the paths every command line and request takes (no Unicode property lookups).
    public func trimmingASCIIWhitespace() -> String {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        let text = Substring(self)
        let bytes = text.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isBlank(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return String(text[start..<end])
    }
}

extension String {
    /// The string without trailing spaces and tabs.
    public func trimmingTrailingWhitespace() -> String {
        // On UTF-8 bytes: every script line goes through here.
        var end = utf8.endIndex
        while end > utf8.startIndex {
            let before = utf8.index(before: end)
            guard utf8[before] == 0x20 || utf8[before] == 0x09 else { break }
            end = before
        }
        return end == utf8.endIndex ? self : String(self[..<end])
    }
}

extension Double {
    /// The value with `digits` digits after the point, rounded half away from zero: what
    /// `String(format: "%.Nf")` printed, without Foundation.
    public func fixed(_ digits: Int) -> String {
        guard isFinite else { return isNaN ? "nan" : (self < 0 ? "-inf" : "inf") }
        let scale = (0..<digits).reduce(1.0) { product, _ in product * 10 }
        let scaled = (abs(self) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9.0e18 else { return "\(self)" }
        let units = UInt64(scaled)
        let divisor = UInt64(scale)
        var text = (self < 0 && units != 0 ? "-" : "") + String(units / divisor)
        if digits > 0 {
            let fraction = String(units % divisor)
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return text
    }
}
