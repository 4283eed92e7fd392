/// Deterministic hex digests for simulated facts (commit ids, pod name suffixes, thread ids):
/// the same input gives the same output on every machine and every run.
///
/// Not cryptographic: FNV-1a 64, salted per 16-hex block.
enum StableHash {
    /// `length` lowercase hex digits derived from `text`.
    static func hex(_ text: String, length: Int) -> String {
        var digits = ""
        var block: UInt64 = 0
        while digits.count < length {
            let value = fnv1a(text, salt: block)
            let chunk = String(value, radix: 16)
            digits += String(repeating: "0", count: 16 - chunk.count) + chunk
            block += 1
        }
        return String(digits.prefix(length))
    }

    /// `length` characters from Kubernetes' name-suffix alphabet (no vowels, no ambiguous digits).
    static func kubernetesSuffix(_ text: String, length: Int) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var value = fnv1a(text, salt: 0x5eed)
        var suffix = ""
        for _ in 0..<length {
            suffix.append(alphabet[Int(value % UInt64(alphabet.count))])
            value /= UInt64(alphabet.count)
        }
        return suffix
    }

    private static func fnv1a(_ text: String, salt: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in withUnsafeBytes(of: salt.littleEndian, Array.init) + Array(text.utf8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
