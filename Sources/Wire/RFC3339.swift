import FoundationEssentials

/// RFC 3339 timestamps (`2025-11-18T08:54:10Z`, `2025-11-18T08:54:10.123+08:00`) read and written
/// by hand: the one place ars parses and prints them. Foundation's date formatters are costly to
/// build (ICU) and were built per call on hot paths; this is arithmetic on the proleptic
/// Gregorian calendar in UTC.
public enum RFC3339 {
    /// The instant `text` names, or nil when it is not an RFC 3339 date-time.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<(index + count)] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += count
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2), expect("Tt "),
            let hour = digits(2), expect(":"), let minute = digits(2), expect(":"), let second = digits(2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        guard index < bytes.count else { return nil }
        if expect("Zz") {
            offset = 0
        } else {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            guard expect("+-"), let offsetHours = digits(2), expect(":"), let offsetMinutes = digits(2) else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard index == bytes.count else { return nil }
        let seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// `2025-11-18T08:54:10Z` (UTC), with `.123` milliseconds when `milliseconds` is true.
    public static func format(_ date: Date, milliseconds: Bool = false) -> String {
        let total = date.timeIntervalSince1970
        // Whole seconds are cut (as Foundation does); milliseconds are the nearest.
        let totalMillis = Int((total * 1000).rounded())
        let whole = milliseconds ? floorDivide(totalMillis, 1000) : Int(total.rounded(.down))
        let millis = totalMillis - floorDivide(totalMillis, 1000) * 1000
        let days = floorDivide(whole, 86400)
        let (year, month, day) = civilFromDays(days)
        let secondOfDay = whole - days * 86400
        var out = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + clock(secondOfDay)
        if milliseconds { out += "." + pad(millis, 3) }
        return out + "Z"
    }

    /// Whole seconds since 1970 of an RFC 3339 date-time (a fraction is cut), or nil; for
    /// callers that count in integers (the sandbox's git history).
    public static func seconds(_ text: String) -> Int64? {
        parse(text).map { Int64($0.timeIntervalSince1970.rounded(.down)) }
    }

    /// `2025-11-18T08:54:10Z` for whole seconds since 1970.
    public static func string(_ seconds: Int64) -> String {
        format(Date(timeIntervalSince1970: Double(seconds)))
    }

    /// `10:01:05`: the time of day in UTC.
    public static func clock(_ date: Date) -> String {
        let whole = Int(date.timeIntervalSince1970.rounded(.down))
        return clock(whole - floorDivide(whole, 86400) * 86400)
    }

    private static func floorDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    private static func clock(_ secondOfDay: Int) -> String {
        pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay % 3600 / 60, 2) + ":" + pad(secondOfDay % 60, 2)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    /// The civil date of a day count since 1970-01-01.
    private static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
