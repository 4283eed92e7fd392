import Commands

/// Says why a lane's selector found nothing when the namespace holds objects of the same kind
/// under other names — another lane's prefix or app — so an empty plan or a "missing" row is
/// not silently taken for "nothing there".
enum EmptySelection {
    /// The notice for `wanted` (a prefix or name) matching none of `found` names in
    /// `namespace`, or nil when something matched or the namespace holds none of that kind.
    static func notice(kind: String, namespace: String, wanted: String, matched: Bool, found: [String]) -> String? {
        guard !matched, !found.isEmpty else { return nil }
        // Group names by their prefix up to the last '-' (`agentrun-v02-ci-` for `agentrun-v02-ci-3f9c2ab`).
        var groups: [String: Int] = [:]
        for name in found {
            let prefix = name.lastIndex(of: "-").map { String(name[...$0]) } ?? name
            groups[prefix, default: 0] += 1
        }
        let summary = groups.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }.prefix(5)
            .map { "\($0.value) × \($0.key)\($0.key.hasSuffix("-") ? "*" : "")" }.joined(separator: ", ")
        return "no \(kind) in \(namespace) matches the lane's '\(wanted)', but the namespace holds \(found.count): \(summary)"
            + " — check the lane's catalogue entry (another lane's prefix or app?)"
    }
}
