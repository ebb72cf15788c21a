import Foundation
import LacakSupport

/// Finds the line of a key path (`courier[1].request.path`) in TOML source text.
///
/// TOMLKit reports lines only for syntax errors; for errors found while decoding (a wrong type,
/// an unknown key) this index supplies them. It understands table headers, arrays of tables,
/// dotted keys and values that span lines; keys inside inline tables resolve to the line of the
/// table's key.
struct TOMLLineIndex {
    private var lines: [String: Int] = [:]

    init(source: String) {
        var currentTable: [String] = []
        var arrayCounts: [String: Int] = [:]
        var lineNumber = 0
        var openMultiline: String?
        var bracketDepth = 0

        for rawLine in source.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let delimiter = openMultiline {
                if line.contains(delimiter) { openMultiline = nil }
                continue
            }
            if bracketDepth > 0 {
                bracketDepth += TOMLLineIndex.bracketBalance(line)
                continue
            }
            line = line.drop(while: { $0 == " " || $0 == "\t" })
            guard let first = line.first, first != "#" else { continue }

            if line.hasPrefix("[[") {
                guard let close = line.range(of: "]]") else { continue }
                let parts = TOMLLineIndex.splitKey(line[line.index(line.startIndex, offsetBy: 2)..<close.lowerBound])
                let resolved = TOMLLineIndex.resolve(parts, arrayCounts: arrayCounts)
                let base = resolved.joined(separator: ".")
                let index = arrayCounts[base, default: 0]
                arrayCounts[base] = index + 1
                currentTable = resolved
                currentTable[currentTable.count - 1] += "[\(index)]"
                record(currentTable, line: lineNumber)
                if lines[base] == nil { lines[base] = lineNumber }
                continue
            }
            if first == "[" {
                guard let close = line.firstIndex(of: "]") else { continue }
                let parts = TOMLLineIndex.splitKey(line[line.index(after: line.startIndex)..<close])
                currentTable = TOMLLineIndex.resolve(parts, arrayCounts: arrayCounts)
                record(currentTable, line: lineNumber)
                continue
            }
            guard let equals = TOMLLineIndex.assignmentIndex(in: line) else { continue }
            let keyParts = TOMLLineIndex.splitKey(line[line.startIndex..<equals])
            guard !keyParts.isEmpty else { continue }
            record(currentTable + keyParts, line: lineNumber)

            let value = line[line.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" })
            for delimiter in ["\"\"\"", "'''"] where value.hasPrefix(delimiter) {
                let rest = value.dropFirst(3)
                if !rest.contains(delimiter) { openMultiline = delimiter }
            }
            if openMultiline == nil, value.first == "[" || value.first == "{" {
                bracketDepth = max(0, TOMLLineIndex.bracketBalance(value))
            }
        }
    }

    /// The line that defines `path`, or the line of its nearest enclosing table or key.
    func line(for path: [String]) -> Int? {
        var candidate = path
        while !candidate.isEmpty {
            if let line = lines[candidate.joined(separator: ".")] { return line }
            // `courier[2]` not found: try `courier` before dropping further.
            if let last = candidate.last, let bracket = last.firstIndex(of: "[") {
                candidate[candidate.count - 1] = String(last[..<bracket])
                if let line = lines[candidate.joined(separator: ".")] { return line }
            }
            candidate.removeLast()
        }
        return nil
    }

    private mutating func record(_ path: [String], line: Int) {
        let key = path.joined(separator: ".")
        if lines[key] == nil { lines[key] = line }
    }

    /// Replaces each prefix that names an array of tables by its latest element (`courier` → `courier[2]`).
    private static func resolve(_ parts: [String], arrayCounts: [String: Int]) -> [String] {
        var resolved: [String] = []
        for (position, part) in parts.enumerated() {
            resolved.append(part)
            let joined = resolved.joined(separator: ".")
            if position < parts.count - 1, let count = arrayCounts[joined], count > 0 {
                resolved[resolved.count - 1] = part + "[\(count - 1)]"
            }
        }
        return resolved
    }

    /// Splits `a."b.c".d` into its parts, unquoting quoted parts.
    static func splitKey(_ text: Substring) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            switch character {
            case "\"", "'": quote = character
            case ".":
                parts.append(current.trimmingWhitespace())
                current = ""
            default: current.append(character)
            }
        }
        let last = current.trimmingWhitespace()
        if !last.isEmpty || !parts.isEmpty { parts.append(last) }
        return parts.filter { !$0.isEmpty }
    }

    /// The `=` of a `key = value` line, outside quotes.
    private static func assignmentIndex(in line: Substring) -> Substring.Index? {
        var quote: Character?
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "=" {
                return index
            } else if character == "#" {
                return nil
            }
            index = line.index(after: index)
        }
        return nil
    }

    /// Opening minus closing brackets and braces outside strings and comments.
    private static func bracketBalance(_ text: Substring) -> Int {
        var balance = 0
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "\"", "'": quote = character
            case "[", "{": balance += 1
            case "]", "}": balance -= 1
            case "#": return balance
            default: break
            }
        }
        return balance
    }
}
