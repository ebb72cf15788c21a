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
    /// The courier codes (`jnt`, `sicepat`…) whose events this rule reads; empty for every
    /// courier. Behind an aggregator one wording means different things at different couriers
    /// ("diterima oleh" is the buyer at SiCepat, the drop point at J&T), so rules are scoped.
    public var couriers: Set<String>
    private let regex: CompiledPattern?

    public init(codes: [String] = [], pattern: String? = nil, status: CarrierStatus, reason: StatusReason? = nil, couriers: Set<String> = []) throws(StatusRuleError) {
        guard !codes.isEmpty || pattern != nil else {
            throw StatusRuleError(message: "a status rule needs `code` or `match`")
        }
        self.codes = codes
        self.pattern = pattern
        self.status = status
        self.reason = reason
        self.couriers = couriers
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

/// An ordered list of status rules; the first that applies to the event's courier and matches
/// it decides.
public struct StatusRuleSet: Sendable {
    public let rules: [StatusRule]
    /// The rules that read each courier named by some rule, in list order; computed once so a
    /// poll does not filter the list per event.
    private let byCourier: [String: [StatusRule]]
    /// The rules without a courier scope, for couriers no rule names.
    private let unscoped: [StatusRule]

    public init(_ rules: [StatusRule]) {
        self.rules = rules
        unscoped = rules.filter(\.couriers.isEmpty)
        var byCourier: [String: [StatusRule]] = [:]
        for courier in Set(rules.flatMap(\.couriers)) {
            byCourier[courier] = rules.filter { $0.couriers.isEmpty || $0.couriers.contains(courier) }
        }
        self.byCourier = byCourier
    }

    /// The rules that read events of `courier` (a lacak courier code; nil for none known).
    public func rules(for courier: String?) -> [StatusRule] {
        courier.flatMap { byCourier[$0] } ?? unscoped
    }

    /// The status and reason of the first matching rule.
    public func classify(code: String?, description: String, courier: String? = nil) -> (status: CarrierStatus, reason: StatusReason?)? {
        classify(codes: code.map { [$0] } ?? [], description: description, courier: courier)
    }

    /// The status and reason of the first rule for `courier` matching any of `codes` or the
    /// description.
    public func classify(codes: [String], description: String, courier: String? = nil) -> (status: CarrierStatus, reason: StatusReason?)? {
        // Folded once for the whole list: a courier table has dozens of rules.
        let folded = FoldedText(description)
        for rule in rules(for: courier) where rule.matches(codes: codes, description: folded) {
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

/// A text with runs of whitespace (line breaks and tabs too) made one space and the ends
/// trimmed, and its UTF-8 bytes ASCII-lowercased, for matching many patterns against it:
/// couriers write `DELIVERED  TO`, `SELESAI ANTAR\r\nDITERIMA OLEH`.
struct FoldedText {
    let original: String
    let lowercaseASCII: [UInt8]

    init(_ text: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var collapsed: [UInt8] = []
        collapsed.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for byte in text.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C {
                pendingSpace = !collapsed.isEmpty
                continue
            }
            if pendingSpace {
                collapsed.append(0x20)
                bytes.append(0x20)
                pendingSpace = false
            }
            collapsed.append(byte)
            bytes.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        original = collapsed.count == text.utf8.count ? text : String(decoding: collapsed, as: UTF8.self)
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
