/// Text from outside (a courier's message, a file name) made safe for a log line or a
/// terminal: control characters are written as visible escapes, so a `\n<0>` cannot forge a
/// journald line of emergency priority and an ANSI or OSC sequence cannot drive the terminal.
package enum TerminalText {
    /// `text` with C0 controls, DEL and C1 controls as `\n`, `\t`, `\r` or `\u{…}`.
    package static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard isControl(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
