import TOMLKit
import LacakSupport

/// Reads TOML text into a JSON tree, turning every problem into a `ConfigError` that names the
/// file and line; the one way lacak parses TOML (configs and presets).
enum TOMLReader {
    static func tree(_ text: String, file: String) throws(ConfigError) -> JSONValue {
        // TOMLKit hands the text to C as a C string, which would end it at the first NUL.
        if let nul = text.utf8.firstIndex(of: 0) {
            let line = text.utf8[..<nul].reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            throw ConfigError(file: file, line: line, message: "the file contains a NUL byte")
        }
        if let problem = TOMLGuard.check(text) {
            throw ConfigError(file: file, line: problem.line, message: problem.message)
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, line: error.source.begin.line, message: "TOML syntax error: \(error.description)")
        } catch {
            throw ConfigError(file: file, message: "TOML syntax error: \(error)")
        }
        do {
            return try JSONParser(maxDepth: 256).parse(table.convert(to: .json))
        } catch {
            throw ConfigError(file: file, message: "cannot read the TOML tree: \(error)")
        }
    }
}

/// A structural pass over TOML text that rejects what the parser underneath TOMLKit aborts on.
///
/// TOMLKit 0.6.0 embeds toml++ 3, whose table-header parser assumes, without checking, that a
/// key starts right after `[` or `[[`; `[&]` fails a C `assert` and kills the process, and in
/// builds without assertions the assumption is undefined behaviour. A config typo must be a
/// config error (exit 78, or a failed SIGHUP reload that keeps the daemon running), so this pass
/// finds table headers the way the parser does — outside strings, comments and multi-line
/// arrays — and reports a header whose key does not start with a bare-key character or a quote,
/// and the one other unchecked assumption fuzzing found (a `}` where an array expects a value).
/// Everything else is left to the parser.
struct TOMLGuard {
    /// A header with nothing parseable where its key should start.
    struct Problem: Equatable {
        var line: Int
        var message: String
    }

    /// The first header problem in `text`, or nil.
    static func check(_ text: String) -> Problem? {
        var scanner = Scanner(bytes: Array(text.utf8))
        return scanner.run()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // The parser skips a UTF-8 byte order mark, so the first line starts after it.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func run() -> Problem? {
            while let byte = current {
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    index += 1
                case UInt8(ascii: "\n"):
                    advanceLine()
                case UInt8(ascii: "#"):
                    skipComment()
                case UInt8(ascii: "["):
                    if let problem = checkHeader() { return problem }
                    skipRestOfLine()
                default:
                    // A key-value pair: the key, `=`, then a value that may span lines.
                    if let problem = skipKeyValue() { return problem }
                }
            }
            return nil
        }

        mutating func advanceLine() {
            index += 1
            line += 1
        }

        mutating func skipComment() {
            while let byte = current, byte != UInt8(ascii: "\n") { index += 1 }
        }

        /// Checks the character after `[` or `[[` and the spaces that may follow.
        mutating func checkHeader() -> Problem? {
            index += 1
            if current == UInt8(ascii: "[") { index += 1 }
            while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { index += 1 }
            guard let first = current else { return nil }
            if Self.startsKey(first) || first == UInt8(ascii: "]") { return nil }
            let shown = switch first {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): "the end of the line"
            case ..<0x20, 0x7F...: "byte 0x" + String(first, radix: 16, uppercase: true)
            default: "'\(Character(Unicode.Scalar(first)))'"
            }
            return Problem(line: line, message: "TOML syntax error: a table header needs a key after '[', found \(shown)")
        }

        /// Skips to the end of a header line; quoted keys may hold `#` or `]`.
        mutating func skipRestOfLine() {
            while let byte = current, byte != UInt8(ascii: "\n") {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    skipString()
                } else if byte == UInt8(ascii: "#") {
                    skipComment()
                } else {
                    index += 1
                }
            }
        }

        /// Skips a key, `=` and the value, which ends at a line break outside brackets. toml++
        /// also assumes that no `}` stands where an array expects a value (`x = [1, }`).
        mutating func skipKeyValue() -> Problem? {
            var open: [UInt8] = []
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    skipString()
                case UInt8(ascii: "#"):
                    skipComment()
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    open.append(byte)
                    index += 1
                case UInt8(ascii: "}") where open.last == UInt8(ascii: "["):
                    return Problem(line: line, message: "TOML syntax error: an array needs a value or ']', found '}'")
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    _ = open.popLast()
                    index += 1
                case UInt8(ascii: "\n"):
                    if open.isEmpty { return nil }
                    advanceLine()
                default:
                    index += 1
                }
            }
            return nil
        }

        /// Skips a basic, literal or multi-line string starting at the quote under `index`.
        mutating func skipString() {
            let quote = bytes[index]
            let multiline = index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
            let escapes = quote == UInt8(ascii: "\"")
            index += multiline ? 3 : 1
            while let byte = current {
                if escapes && byte == UInt8(ascii: "\\") {
                    index += 1
                    if current == UInt8(ascii: "\n") { line += 1 }
                    index += 1
                    continue
                }
                if byte == UInt8(ascii: "\n") {
                    // A single-line string cannot continue; the parser reports it.
                    if !multiline { return }
                    line += 1
                    index += 1
                    continue
                }
                if byte == quote {
                    if !multiline {
                        index += 1
                        return
                    }
                    if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote {
                        // Up to two more quotes may belong to the content: `""""` and `"""""`.
                        index += 3
                        var extra = 0
                        while extra < 2, current == quote {
                            index += 1
                            extra += 1
                        }
                        return
                    }
                }
                index += 1
            }
        }

        static func startsKey(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""), UInt8(ascii: "'"):
                return true
            default:
                return false
            }
        }
    }
}
