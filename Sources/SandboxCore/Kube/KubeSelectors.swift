/// A label selector in the apiserver's syntax: comma-separated requirements `k`, `!k`, `k=v`,
/// `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k>1`, `k<1`. `!=` and `notin` also match
/// objects without the label, as in Kubernetes.
struct KubeLabelSelector: Sendable {
    enum Operator: Sendable {
        case exists, doesNotExist, equals, notEquals, isIn, notIn, greaterThan, lessThan
    }

    struct Requirement: Sendable {
        let key: String
        let op: Operator
        let values: [String]

        func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch op {
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            case .equals, .isIn: return value.map(values.contains) ?? false
            case .notEquals, .notIn: return value.map { !values.contains($0) } ?? true
            case .greaterThan, .lessThan:
                guard let text = value, let number = Int64(text), let bound = values.first.flatMap({ Int64($0) }) else { return false }
                return op == .greaterThan ? number > bound : number < bound
            }
        }
    }

    let requirements: [Requirement]

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// Parses a selector; an empty text selects everything.
    init(parsing text: String) throws(KubeStatus) {
        var requirements: [Requirement] = []
        for part in try Self.splitRequirements(text) {
            requirements.append(try Self.requirement(part, in: text))
        }
        self.requirements = requirements
    }

    /// Splits at commas outside parentheses.
    private static func splitRequirements(_ text: String) throws(KubeStatus) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            switch character {
            case "(":
                depth += 1
                current.append(character)
            case ")":
                depth -= 1
                guard depth >= 0 else { throw invalid(text, "unbalanced ')'") }
                current.append(character)
            case "," where depth == 0:
                parts.append(current)
                current = ""
            default:
                current.append(character)
            }
        }
        guard depth == 0 else { throw invalid(text, "unbalanced '('") }
        parts.append(current)
        let trimmed = parts.map { $0.trimmingSpaces }
        if trimmed == [""] { return [] }
        guard !trimmed.contains("") else { throw invalid(text, "found ',', expected: identifier") }
        return trimmed
    }

    private static func requirement(_ part: String, in text: String) throws(KubeStatus) -> Requirement {
        if part.hasPrefix("!") {
            let key = String(part.dropFirst()).trimmingSpaces
            try checkKey(key, in: text)
            return Requirement(key: key, op: .doesNotExist, values: [])
        }
        for (token, op) in [("!=", Operator.notEquals), ("==", .equals), ("=", .equals), (">", .greaterThan), ("<", .lessThan)] {
            if let range = part.range(of: token) {
                let key = String(part[..<range.lowerBound]).trimmingSpaces
                let value = String(part[range.upperBound...]).trimmingSpaces
                try checkKey(key, in: text)
                try checkValue(value, in: text)
                if op == .greaterThan || op == .lessThan, Int64(value) == nil {
                    throw invalid(text, "for 'Gt', 'Lt' operators, the value must be an integer")
                }
                return Requirement(key: key, op: op, values: [value])
            }
        }
        let words = part.split(separator: " ", maxSplits: 1).map(String.init)
        if words.count == 2 {
            let rest = words[1].trimmingSpaces
            for (keyword, op) in [("notin", Operator.notIn), ("in", .isIn)] where rest.hasPrefix(keyword) {
                let list = String(rest.dropFirst(keyword.count)).trimmingSpaces
                guard list.hasPrefix("("), list.hasSuffix(")") else { throw invalid(text, "found '\(list)', expected: '('") }
                let values = list.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false).map {
                    String($0).trimmingSpaces
                }
                try checkKey(words[0], in: text)
                for value in values { try checkValue(value, in: text) }
                return Requirement(key: words[0], op: op, values: values)
            }
            throw invalid(text, "found '\(rest)', expected: in, notin, =, ==, !=, gt, lt")
        }
        try checkKey(part, in: text)
        return Requirement(key: part, op: .exists, values: [])
    }

    private static func checkKey(_ key: String, in text: String) throws(KubeStatus) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./")
        guard !key.isEmpty, key.allSatisfy(allowed.contains), key.filter({ $0 == "/" }).count <= 1 else {
            throw invalid(text, "invalid label key \"\(key)\"")
        }
    }

    private static func checkValue(_ value: String, in text: String) throws(KubeStatus) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard value.count <= 63, value.allSatisfy(allowed.contains) else {
            throw invalid(text, "invalid label value: \"\(value)\"")
        }
    }

    private static func invalid(_ text: String, _ why: String) -> KubeStatus {
        .badRequest("unable to parse requirement: \(why) (in label selector \"\(text)\")")
    }
}

/// A field selector: comma-separated `field=value`, `field==value`, `field!=value` over the fields
/// the apiserver indexes for the kind (`metadata.name` and `metadata.namespace` everywhere; pods
/// also `status.phase`, `spec.nodeName`, …; events `involvedObject.*`, `reason`, `type`, …).
struct KubeFieldSelector: Sendable {
    struct Requirement: Sendable {
        let path: [String]
        let value: String
        let equal: Bool
    }

    let requirements: [Requirement]

    init(parsing text: String, resource: KubeResource) throws(KubeStatus) {
        var requirements: [Requirement] = []
        for rawPart in text.split(separator: ",") {
            let part = String(rawPart).trimmingSpaces
            guard !part.isEmpty else { continue }
            let (field, value, equal): (String, String, Bool)
            if let range = part.range(of: "!=") {
                (field, value, equal) = (String(part[..<range.lowerBound]), String(part[range.upperBound...]), false)
            } else if let range = part.range(of: "==") ?? part.range(of: "=") {
                (field, value, equal) = (String(part[..<range.lowerBound]), String(part[range.upperBound...]), true)
            } else {
                throw KubeStatus.badRequest("invalid selector: '\(text)'; can't understand '\(part)'")
            }
            let name = field.trimmingSpaces
            var supported = ["metadata.name", "metadata.namespace"]
            switch resource.kind {
            case "Pod":
                supported += [
                    "status.phase", "spec.nodeName", "spec.serviceAccountName", "spec.restartPolicy", "spec.schedulerName", "status.podIP",
                ]
            case "Event":
                supported += [
                    "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                    "involvedObject.apiVersion",
                    "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
                ]
            case "Secret":
                supported.append("type")
            default:
                break
            }
            guard supported.contains(name) else {
                throw KubeStatus.badRequest("field label not supported: \(name)")
            }
            requirements.append(Requirement(path: name.split(separator: ".").map(String.init), value: value.trimmingSpaces, equal: equal))
        }
        self.requirements = requirements
    }

    func matches(_ object: KubeJSON) -> Bool {
        requirements.allSatisfy { requirement in
            let actual: String
            if requirement.path == ["source"] {
                actual = object.string("source", "component") ?? ""
            } else {
                actual = object[path: requirement.path]?.stringValue ?? ""
            }
            return (actual == requirement.value) == requirement.equal
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
