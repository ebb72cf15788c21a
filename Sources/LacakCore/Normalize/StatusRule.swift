import Foundation

/// One line of a courier's status table: "an event with this code, or whose text matches this
/// pattern, means this status".
public struct StatusRule: Sendable {
    /// Courier status codes matched exactly.
    public var codes: [String]
    /// A case-insensitive regular expression searched in the event description.
    public var pattern: String?
    public var status: CarrierStatus
    public var reason: StatusReason?
    private let regex: CompiledPattern?

    public init(codes: [String] = [], pattern: String? = nil, status: CarrierStatus, reason: StatusReason? = nil) throws(StatusRuleError) {
        guard !codes.isEmpty || pattern != nil else {
            throw StatusRuleError(message: "a status rule needs `code` or `match`")
        }
        self.codes = codes
        self.pattern = pattern
        self.status = status
        self.reason = reason
        if let pattern {
            do {
                regex = try CompiledPattern(pattern)
            } catch {
                throw StatusRuleError(message: "`match` is not a valid regular expression: \(pattern)")
            }
        } else {
            regex = nil
        }
    }

    /// Whether the rule applies to an event with these codes and this description.
    public func matches(codes eventCodes: [String], description: String) -> Bool {
        matches(codes: eventCodes, description: FoldedText(description))
    }

    func matches(codes eventCodes: [String], description: FoldedText) -> Bool {
        if !codes.isEmpty, eventCodes.contains(where: codes.contains) { return true }
        if let regex, regex.matches(description) { return true }
        return false
    }
}

/// An ordered list of status rules; the first that matches decides.
public struct StatusRuleSet: Sendable {
    public var rules: [StatusRule]

    public init(_ rules: [StatusRule]) {
        self.rules = rules
    }

    /// The status and reason of the first matching rule.
    public func classify(code: String?, description: String) -> (status: CarrierStatus, reason: StatusReason?)? {
        classify(codes: code.map { [$0] } ?? [], description: description)
    }

    /// The status and reason of the first rule matching any of `codes` or the description.
    public func classify(codes: [String], description: String) -> (status: CarrierStatus, reason: StatusReason?)? {
        // Folded once for the whole list: a courier table has dozens of rules.
        let folded = FoldedText(description)
        for rule in rules where rule.matches(codes: codes, description: folded) {
            return (rule.status, rule.reason)
        }
        return nil
    }
}

/// A status rule that cannot be used.
public struct StatusRuleError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A text with its UTF-8 bytes ASCII-lowercased, for matching many patterns against it.
struct FoldedText {
    let original: String
    let lowercaseASCII: [UInt8]

    init(_ text: String) {
        original = text
        var bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] >= 0x41 && bytes[index] <= 0x5A {
            bytes[index] |= 0x20
        }
        lowercaseASCII = bytes
    }
}

/// A case-insensitive regular expression, with a fast path for plain alternatives of words.
///
/// Most courier rules are lists of phrases ("delivered|diterima oleh"); those are matched by a
/// lowercase substring search, which is many times faster than ICU and behaves the same.
struct CompiledPattern: @unchecked Sendable {
    // @unchecked: NSRegularExpression is immutable after creation and documented thread-safe for
    // matching; the phrase list is a value.
    private let phrases: [[UInt8]]?
    private let regex: NSRegularExpression?

    init(_ pattern: String) throws {
        if let phrases = CompiledPattern.literalAlternatives(pattern) {
            self.phrases = phrases
            self.regex = nil
        } else {
            self.phrases = nil
            self.regex = try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        }
    }

    func matches(_ text: String) -> Bool {
        matches(FoldedText(text))
    }

    func matches(_ text: FoldedText) -> Bool {
        if let phrases {
            return phrases.contains { CompiledPattern.contains(text.lowercaseASCII, $0) }
        }
        guard let regex else { return false }
        let range = NSRange(text.original.startIndex..<text.original.endIndex, in: text.original)
        return regex.firstMatch(in: text.original, options: [], range: range) != nil
    }

    /// The lowercase phrases when the pattern is `a|b|c` of ASCII letters, digits, spaces and
    /// harmless punctuation; nil when it needs a real regex engine.
    static func literalAlternatives(_ pattern: String) -> [[UInt8]]? {
        let allowed: (UInt8) -> Bool = { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x20 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ",")
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "/")
        }
        var phrases: [[UInt8]] = []
        for part in pattern.split(separator: "|", omittingEmptySubsequences: false) {
            let bytes = Array(part.utf8)
            guard !bytes.isEmpty, bytes.allSatisfy(allowed) else { return nil }
            phrases.append(bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
        }
        return phrases.isEmpty ? nil : phrases
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        let first = needle[0]
        var start = 0
        let last = haystack.count - needle.count
        while start <= last {
            if haystack[start] == first {
                var offset = 1
                while offset < needle.count, haystack[start + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            start += 1
        }
        return false
    }
}
