

/// Folds an event text no rule classified into the key it is counted under, so that one
/// wording seen on a thousand parcels is one row: ASCII case folded, digit runs as `#`,
/// bracketed parts (names, hubs, dates) as `[…]`, whitespace collapsed.
package enum UnmatchedTextFolding {
    /// Longest folded key and stored example, in characters.
    package static let maxLength = 300

    package static func fold(_ text: String) -> String {
        var out = ""
        var depth = 0
        var pendingSpace = false
        var lastWasDigit = false
        for character in text {
            if character == "[" || character == "(" || character == "{" {
                if depth == 0 {
                    if pendingSpace, !out.isEmpty { out.append(" ") }
                    pendingSpace = false
                    out += character == "(" ? "(…)" : "[…]"
                }
                depth += 1
                lastWasDigit = false
                continue
            }
            if character == "]" || character == ")" || character == "}" {
                depth = max(0, depth - 1)
                continue
            }
            if depth > 0 { continue }
            if character.isWhitespace || character.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                pendingSpace = true
                continue
            }
            if pendingSpace, !out.isEmpty { out.append(" ") }
            pendingSpace = false
            if character.isASCII, character.isNumber {
                if !lastWasDigit { out.append("#") }
                lastWasDigit = true
                continue
            }
            lastWasDigit = false
            out += character.isASCII ? character.lowercased() : String(character)
            if out.count >= maxLength { break }
        }
        return out
    }
}
