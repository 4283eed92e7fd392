/// A line diff of two texts, printed as a unified diff (`@@ -a,b +c,d @@`, three lines of
/// context), for plans that show what a write would change in a file.
public struct LineDiff: Sendable, Equatable {
    public enum Operation: Sendable, Equatable {
        case same(String)
        case removed(String)
        case added(String)
    }

    public let operations: [Operation]

    /// The most cells (changed lines on one side × on the other) the comparison table may have
    /// (8 MB); past it the changed middle is shown as one removal and one addition.
    public static let cellLimit = 1_000_000

    public init(old: String, new: String) {
        let a = Self.lines(old)
        let b = Self.lines(new)
        // Longest common subsequence over the lines between the common prefix and suffix.
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let x = Array(a[prefix..<(a.count - suffix)])
        let y = Array(b[prefix..<(b.count - suffix)])
        guard x.count * y.count <= Self.cellLimit else {
            operations =
                a[..<prefix].map(Operation.same) + x.map(Operation.removed) + y.map(Operation.added)
                + a[(a.count - suffix)...].map(Operation.same)
            return
        }
        var table = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                table[i][j] = x[i] == y[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var result = a[..<prefix].map(Operation.same)
        var (i, j) = (0, 0)
        while i < x.count || j < y.count {
            if i < x.count, j < y.count, x[i] == y[j] {
                result.append(.same(x[i]))
                i += 1
                j += 1
            } else if i < x.count, j == y.count || table[i + 1][j] >= table[i][j + 1] {
                // Removals first, as git prints them.
                result.append(.removed(x[i]))
                i += 1
            } else {
                result.append(.added(y[j]))
                j += 1
            }
        }
        result += a[(a.count - suffix)...].map(Operation.same)
        operations = result
    }

    public var added: Int { operations.count { if case .added = $0 { true } else { false } } }
    public var removed: Int { operations.count { if case .removed = $0 { true } else { false } } }
    public var isEmpty: Bool { added == 0 && removed == 0 }

    /// The hunks, `git diff` style, without file headers.
    public func unified(context: Int = 3) -> String {
        var out: [String] = []
        let changed = operations.indices.filter { if case .same = operations[$0] { false } else { true } }
        guard !changed.isEmpty else { return "" }
        // Group changes whose contexts touch into one hunk.
        var hunks: [ClosedRange<Int>] = []
        for index in changed {
            let range = max(0, index - context)...min(operations.count - 1, index + context)
            if let last = hunks.last, range.lowerBound <= last.upperBound + 1 {
                hunks[hunks.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                hunks.append(range)
            }
        }
        for hunk in hunks {
            var oldStart = 1
            var newStart = 1
            for operation in operations[..<hunk.lowerBound] {
                switch operation {
                case .same: (oldStart, newStart) = (oldStart + 1, newStart + 1)
                case .removed: oldStart += 1
                case .added: newStart += 1
                }
            }
            var lines: [String] = []
            var (oldCount, newCount) = (0, 0)
            for operation in operations[hunk] {
                switch operation {
                case .same(let line):
                    lines.append(" " + line)
                    (oldCount, newCount) = (oldCount + 1, newCount + 1)
                case .removed(let line):
                    lines.append("-" + line)
                    oldCount += 1
                case .added(let line):
                    lines.append("+" + line)
                    newCount += 1
                }
            }
            out.append(
                "@@ -\(oldCount == 0 ? oldStart - 1 : oldStart),\(oldCount) +\(newCount == 0 ? newStart - 1 : newStart),\(newCount) @@")
            out += lines
        }
        return out.joined(separator: "\n")
    }

    private static func lines(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") { lines.removeLast() }
        return lines
    }
}
