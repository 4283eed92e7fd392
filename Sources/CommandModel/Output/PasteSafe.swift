/// The last check on a `next:` line before it is printed: a line an operator pastes into a
/// shell must run exactly the command it shows. Outside single quotes only plain word
/// characters, spaces and `&&` (for `cd DIR && …`) are allowed; inside single quotes anything
/// but a quote. A line that fails (a server-made id with `;`, a `$(…)`) is not printed.
public enum PasteSafe {
    /// True when bash would read `line` as one command (or `cd … && command`) with literal words.
    public static func isSafe(_ line: String) -> Bool {
        var quoted = false
        var ampersands = 0
        for scalar in line.unicodeScalars {
            if quoted {
                if scalar == "'" { quoted = false }
                continue
            }
            if scalar == "&" {
                ampersands += 1
                continue
            }
            // A lone '&' (background) or a run longer than '&&' is not allowed.
            if ampersands != 0 && ampersands != 2 { return false }
            ampersands = 0
            switch scalar {
            case "'": quoted = true
            case "a"..."z", "A"..."Z", "0"..."9", " ", "-", "_", ".", "/", ":", ",", "=", "@", "+", "%": continue
            default:
                // Letters beyond ASCII (Chinese words in a suggested prompt) are plain for bash.
                if scalar.value > 0x7F && !scalar.properties.isWhitespace && scalar.properties.generalCategory != .format
                    && scalar.properties.generalCategory != .control
                {
                    continue
                }
                return false
            }
        }
        let trimmed = String(line.reversed().drop { $0 == " " }.reversed())
        return !quoted && (ampersands == 0 || ampersands == 2) && !trimmed.hasSuffix("&&")
    }
}
