import Commands
import Foundation
import Testing

/// The hand-written RFC 3339 reader and writer agree with Foundation's ISO 8601 formatter.
@Suite("RFC 3339")
struct RFC3339Tests {
    @Test("parse and format agree with Foundation over many instants, with and without milliseconds")
    func agreesWithFoundation() {
        let foundation = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let seconds = Double(Int.random(in: -2_000_000_000...4_000_000_000, using: &generator))
            let millis = Double(Int.random(in: 0...999, using: &generator)) / 1000
            let date = Date(timeIntervalSince1970: seconds + millis)
            #expect(RFC3339.format(date) == foundation.string(from: date))
            #expect(RFC3339.format(date, milliseconds: true) == fractional.string(from: date))
            let parsed = RFC3339.parse(fractional.string(from: date))
            #expect(parsed.map { abs($0.timeIntervalSince(date)) < 0.001 } == true)
        }
    }

    @Test("offsets, lower-case separators and bad input")
    func edges() {
        #expect(RFC3339.parse("2025-11-18T16:54:10+08:00") == RFC3339.parse("2025-11-18T08:54:10Z"))
        #expect(RFC3339.parse("2025-11-18t08:54:10.5z")?.timeIntervalSince1970 == 1_763_456_050.5)
        #expect(RFC3339.clock(RFC3339.parse("2025-11-18T08:54:10Z")!) == "08:54:10")
        for bad in [
            "", "2025-11-18", "2025-11-18T08:54Z", "2025-13-18T08:54:10Z", "2025-11-18T08:54:10", "2025-11-18T08:54:10.Z",
            "x2025-11-18T08:54:10Z",
        ] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }
}
