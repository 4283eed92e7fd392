/// Terminal display width of text: CJK and other East Asian wide characters take two columns,
/// combining marks and zero-width characters none.
public enum TextWidth {
    /// The display width of a string.
    public static func of(_ text: String) -> Int {
        // ASCII (most of what is printed) is one column a printable byte, no Unicode tables.
        var ascii = true
        var printable = 0
        for byte in text.utf8 {
            if byte >= 0x80 {
                ascii = false
                break
            }
            if byte >= 0x20 && byte != 0x7F { printable += 1 }
        }
        return ascii ? printable : text.reduce(0) { $0 + of($1) }
    }

    /// The display width of one grapheme cluster.
    public static func of(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        // Emoji presentation sequences render two columns wide.
        if character.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        return width(of: first)
    }

    static func width(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x7F { return v < 0x20 ? 0 : 1 }
        if v == 0 || (v < 0x20) || (0x7F..<0xA0).contains(v) { return 0 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B { return 0 }
        return isWide(v) ? 2 : 1
    }

    /// East Asian Wide (W) and Fullwidth (F) ranges, after Unicode 15's EastAsianWidth.txt.
    private static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
            0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1,
            0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA,
            0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C,
            0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C,
            0x2B50, 0x2B55, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
            0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF,
            0x1B000...0x1B2FF, 0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251,
            0x1F300...0x1F64F, 0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF,
            0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Pads `text` with spaces on the right to `width` display columns.
    public static func pad(_ text: String, to width: Int) -> String {
        let current = of(text)
        return current >= width ? text : text + String(repeating: " ", count: width - current)
    }

    /// Cuts `text` to at most `width` display columns, ending with `…` when it was cut.
    public static func truncate(_ text: String, to width: Int) -> String {
        guard of(text) > width else { return text }
        guard width > 1 else { return String(repeating: "…", count: max(0, width)) }
        var out = ""
        var used = 0
        for character in text {
            let w = of(character)
            if used + w > width - 1 { break }
            out.append(character)
            used += w
        }
        return out + "…"
    }
}

/// Neutralises terminal control sequences in text that came from outside (servers, files, the
/// user's own input echoed in an error), so nothing can move the cursor, change colours, retitle
/// the terminal or reorder what a reader sees.
public enum TerminalSafe {
    /// Replaces C0/C1 control characters (except newline and tab) with visible escapes such as
    /// `\x1b`, which also defuses every ESC/CSI/OSC sequence, and the bidirectional controls
    /// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) with `\u{202E}`.
    public static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            out.append(contentsOf: escaped(scalar).unicodeScalars)
        }
        return String(out)
    }

    /// Sanitized `text` cut to at most `width` display columns with `…`; an escape is kept whole
    /// or dropped, never split.
    public static func fit(_ text: String, to width: Int) -> String {
        let clean = sanitize(text)
        guard TextWidth.of(clean) > width else { return clean }
        guard width > 1 else { return String(repeating: "…", count: max(0, width)) }
        var out = ""
        var used = 0
        for character in text {
            let shown = character.unicodeScalars.contains(where: needsEscape) ? sanitize(String(character)) : String(character)
            let w = TextWidth.of(shown)
            if used + w > width - 1 { break }
            out += shown
            used += w
        }
        return out + "…"
    }

    /// A scalar as it is shown: itself, or its visible escape.
    static func escaped(_ scalar: Unicode.Scalar) -> String {
        guard needsEscape(scalar) else { return String(scalar) }
        if scalar.value <= 0x9F {
            let hex = String(scalar.value, radix: 16)
            return "\\x" + (hex.count < 2 ? "0" + hex : hex)
        }
        return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    }

    /// C0/C1 controls but newline and tab, and the bidirectional controls.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v == 0x0A || v == 0x09 { return false }
        return v < 0x20 || (0x7F...0x9F).contains(v) || isBidiControl(scalar)
    }

    /// The characters that reorder text: embeddings, overrides, isolates and marks.
    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
            || [0x200E, 0x200F, 0x061C].contains(scalar.value)
    }
}
