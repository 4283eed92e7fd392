import Digest

/// Deterministic identities for objects the sandbox makes: the same history gives the same uids
/// and generated names on every run.
enum KubeIdentity {
    /// A version-4-shaped UUID derived from `seed`.
    static func uid(_ seed: String) -> String {
        var hex = Array(SHA256.hex("uid:" + seed).prefix(32))
        hex[12] = "4"
        hex[16] = Array("89ab")[Int(String(hex[16]), radix: 16)! % 4]
        let text = String(hex)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(text[text.index(text.startIndex, offsetBy: range.lowerBound)..<text.index(text.startIndex, offsetBy: range.upperBound)])
        }
        return parts.joined(separator: "-")
    }

    /// A `generateName` suffix of five characters from Kubernetes' alphabet.
    static func suffix(_ seed: String, length: Int = 5) -> String {
        StableHash.kubernetesSuffix(seed, length: length)
    }
}
