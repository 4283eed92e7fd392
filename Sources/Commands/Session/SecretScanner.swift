import FoundationEssentials

/// Finds secret values inside command results, so the redaction guard knows them before anything
/// is printed or written: the values of a Kubernetes `Secret` (`data`, base64, and `stringData`),
/// and literal env entries whose name says they hold a secret (`{name: HWLAB_API_KEY, value: …}`).
public enum SecretScanner {
    /// Words that mark an env variable name as secret-bearing.
    static let secretWords = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"]

    /// Every secret value found in `value`.
    public static func secrets(in value: Value) -> [String] {
        var found: [String] = []
        walk(value, into: &found)
        return found
    }

    /// Whether an env variable name looks secret-bearing (`HWLAB_API_KEY`, `GIT_TOKEN`).
    public static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return secretWords.contains { upper.contains($0) }
    }

    private static func walk(_ value: Value, into found: inout [String]) {
        switch value {
        case .array(let items):
            for item in items { walk(item, into: &found) }
        case .object(let object):
            if object["kind"] == "Secret" {
                for field in ["data", "stringData"] {
                    for (_, entry) in object[field]?.objectValue ?? Object() {
                        guard let text = entry.stringValue else { continue }
                        found.append(text)
                        if field == "data", let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8) {
                            found.append(decoded)
                        }
                    }
                }
            }
            if let name = object["name"]?.stringValue, let literal = object["value"]?.stringValue, isSecretName(name) {
                found.append(literal)
            }
            for (_, field) in object { walk(field, into: &found) }
        default:
            break
        }
    }
}
