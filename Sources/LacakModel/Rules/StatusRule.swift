import Foundation

/// One line of a courier's status table: "an event with this code, or whose text matches this
/// pattern, means this status".
package struct StatusRule: Sendable {
    /// Courier status codes matched exactly.
    package var codes: [String]
    /// A case-insensitive regular expression searched in the event description.
    package var pattern: String?
    package var status: CarrierStatus
    package var reason: StatusReason?
    /// The courier codes (`jnt`, `sicepat`…) whose events this rule reads; empty for every
    /// courier. Behind an aggregator one wording means different things at different couriers
    /// ("diterima oleh" is the buyer at SiCepat, the drop point at J&T), so rules are scoped.
    package var couriers: Set<String>
    private let regex: CompiledPattern?

    package init(codes: [String] = [], pattern: String? = nil, status: CarrierStatus, reason: StatusReason? = nil, couriers: Set<String> = []) throws(StatusRuleError) {
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
    package func matches(codes eventCodes: [String], description: String) -> Bool {
        matches(codes: eventCodes, description: FoldedText(description))
    }

    package func matches(codes eventCodes: [String], description: FoldedText) -> Bool {
        if !codes.isEmpty, eventCodes.contains(where: codes.contains) { return true }
        return matches(text: description)
    }

    /// Whether the rule's text pattern (if it has one) matches.
    package func matches(text: FoldedText) -> Bool {
        regex?.matches(text) ?? false
    }
}

/// An ordered list of status rules; the first that applies to the event's courier and matches
/// it decides.
package struct StatusRuleSet: Sendable {
    package let rules: [StatusRule]
    /// The rules that read each courier named by some rule, in list order; computed once so a
    /// poll does not filter the list per event.
    private let byCourier: [String: Lookup]
    /// The rules without a courier scope, for couriers no rule names.
    private let unscoped: Lookup

    /// One courier's rules, indexed: code rules by code (a provider's table has dozens, and an
    /// event carries one or two codes), text rules in order.
    private struct Lookup: Sendable {
        let rules: [StatusRule]
        /// The first rule, by position, listing each code.
        let firstByCode: [String: Int]
        /// Positions of the rules with a text pattern, ascending.
        let textRules: [Int]

        init(_ rules: [StatusRule]) {
            self.rules = rules
            var firstByCode: [String: Int] = [:]
            for (index, rule) in rules.enumerated() {
                for code in rule.codes where firstByCode[code] == nil { firstByCode[code] = index }
            }
            self.firstByCode = firstByCode
            textRules = rules.indices.filter { rules[$0].pattern != nil }
        }

        /// The first rule, by position, that a code or the text matches: the same answer as
        /// trying each rule in order, without running the text rules after the first code hit.
        func first(codes: [String], description: String) -> StatusRule? {
            var best = Int.max
            for code in codes {
                if let index = firstByCode[code], index < best { best = index }
            }
            if let first = textRules.first, first < best {
                // Folded once for the whole list: a courier table has dozens of rules.
                let folded = FoldedText(description)
                for index in textRules {
                    if index >= best { break }
                    if rules[index].matches(text: folded) { return rules[index] }
                }
            }
            return best == Int.max ? nil : rules[best]
        }
    }

    package init(_ rules: [StatusRule]) {
        self.rules = rules
        unscoped = Lookup(rules.filter(\.couriers.isEmpty))
        var byCourier: [String: Lookup] = [:]
        for courier in Set(rules.flatMap(\.couriers)) {
            byCourier[courier] = Lookup(rules.filter { $0.couriers.isEmpty || $0.couriers.contains(courier) })
        }
        self.byCourier = byCourier
    }

    private func lookup(for courier: String?) -> Lookup {
        courier.flatMap { byCourier[$0] } ?? unscoped
    }

    /// The rules that read events of `courier` (a lacak courier code; nil for none known).
    package func rules(for courier: String?) -> [StatusRule] {
        lookup(for: courier).rules
    }

    /// The status and reason of the first matching rule.
    package func classify(code: String?, description: String, courier: String? = nil) -> (status: CarrierStatus, reason: StatusReason?)? {
        classify(codes: code.map { [$0] } ?? [], description: description, courier: courier)
    }

    /// The status and reason of the first code rule for `courier` matching any of `codes`: for
    /// a shipment-level status that has a code and no text.
    package func classify(codes: [String], courier: String? = nil) -> (status: CarrierStatus, reason: StatusReason?)? {
        let list = lookup(for: courier)
        let best = codes.compactMap { list.firstByCode[$0] }.min()
        return best.map { (list.rules[$0].status, list.rules[$0].reason) }
    }

    /// The status and reason of the first rule for `courier` matching any of `codes` or the
    /// description.
    package func classify(codes: [String], description: String, courier: String? = nil) -> (status: CarrierStatus, reason: StatusReason?)? {
        lookup(for: courier).first(codes: codes, description: description).map { ($0.status, $0.reason) }
    }
}

/// A status rule that cannot be used.
package struct StatusRuleError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}

/// A text with runs of whitespace (line breaks and tabs too) made one space and the ends
/// trimmed, and its UTF-8 bytes ASCII-lowercased, for matching many patterns against it:
/// couriers write `DELIVERED  TO`, `SELESAI ANTAR\r\nDITERIMA OLEH`.
package struct FoldedText {
    let original: String
    let lowercaseASCII: [UInt8]
    /// Whether every byte is ASCII.
    let isASCII: Bool

    package init(_ text: String) {
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
        isASCII = bytes.allSatisfy { $0 < 0x80 }
    }
}

/// A case-insensitive regular expression, with a fast path for plain alternatives of words.
///
/// Most courier rules are lists of phrases ("delivered|diterima oleh"); those are matched by a
/// lowercase substring search, which is many times faster than ICU and behaves the same.
package struct CompiledPattern: Sendable {
    private let phrases: [[UInt8]]?
    private let regex: NSRegularExpression?
    /// For a real regex: one literal each of its top-level alternatives must contain. A text
    /// holding none of them cannot match, and most texts match few of a vocabulary's rules,
    /// so ICU only runs on the candidates (nil: no such literal, always run it).
    private let required: [[UInt8]]?

    package init(_ pattern: String) throws {
        if let phrases = CompiledPattern.literalAlternatives(pattern) {
            self.phrases = phrases
            self.regex = nil
            self.required = nil
        } else {
            self.phrases = nil
            self.regex = try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
            self.required = CompiledPattern.requiredLiterals(pattern)
        }
    }

    /// The longest run of plain characters each top-level alternative of `pattern` must
    /// contain, lowercased; nil when some alternative has none of two or more characters.
    static func requiredLiterals(_ pattern: String) -> [[UInt8]]? {
        // Only plain ASCII patterns without the constructs this scan does not model (flags,
        // quoting, numeric escapes, properties, nested sets, counted repeats): anything else
        // always runs the regex.
        guard pattern.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        for construct in ["(?", "\\Q", "\\x", "\\u", "\\U", "\\0", "\\c", "\\N", "\\p", "\\P", "[[", "{", "\\k", "\\g"] where pattern.contains(construct) {
            return nil
        }
        var branches: [[UInt8]] = []
        var current: [UInt8] = []
        var depth = 0
        var escaped = false
        var inClass = false
        for byte in pattern.utf8 {
            if escaped { escaped = false; current.append(0x5C); current.append(byte); continue }
            if byte == 0x5C { escaped = true; continue }
            if inClass { current.append(byte); if byte == UInt8(ascii: "]") { inClass = false }; continue }
            switch byte {
            case UInt8(ascii: "["): inClass = true; current.append(byte)
            case UInt8(ascii: "("): depth += 1; current.append(byte)
            case UInt8(ascii: ")"): depth -= 1; current.append(byte)
            case UInt8(ascii: "|") where depth == 0: branches.append(current); current = []
            default: current.append(byte)
            }
        }
        branches.append(current)
        var literals: [[UInt8]] = []
        for branch in branches {
            guard let literal = longestRequiredRun(branch), literal.count >= 2 else { return nil }
            literals.append(literal)
        }
        return literals
    }

    /// The longest run of literal characters at depth 0 of one alternative that no quantifier
    /// makes optional (the branch still holds escapes as backslash + byte).
    private static func longestRequiredRun(_ branch: [UInt8]) -> [UInt8]? {
        var best: [UInt8] = []
        var run: [UInt8] = []
        func close() { if run.count > best.count { best = run }; run = [] }
        var index = 0
        var depth = 0
        while index < branch.count {
            let byte = branch[index]
            let next = index + 1 < branch.count ? branch[index + 1] : 0
            if depth > 0 {
                if byte == UInt8(ascii: "(") { depth += 1 } else if byte == UInt8(ascii: ")") { depth -= 1 }
                if byte == 0x5C { index += 1 }
                index += 1
                if depth == 0, index < branch.count, [UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{")].contains(branch[index]) { index += 1 }
                continue
            }
            var literal: UInt8?
            var width = 1
            switch byte {
            case UInt8(ascii: "("):
                close(); depth = 1; index += 1; continue
            case UInt8(ascii: "["):
                close()
                index += 1
                while index < branch.count, branch[index] != UInt8(ascii: "]") { index += branch[index] == 0x5C ? 2 : 1 }
                index += 1
                if index < branch.count, [UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{")].contains(branch[index]) { index += 1 }
                continue
            case 0x5C:
                width = 2
                // \. \( \[ and the like are the character itself; \b \W \s are not characters.
                if !((next >= 0x61 && next <= 0x7A) || (next >= 0x41 && next <= 0x5A) || (next >= 0x30 && next <= 0x39)) { literal = next }
            case UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"):
                literal = nil
            case UInt8(ascii: "{"):
                close()
                while index < branch.count, branch[index] != UInt8(ascii: "}") { index += 1 }
                index += 1
                continue
            default:
                literal = byte < 0x80 ? (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) : nil
            }
            let after = index + width < branch.count ? branch[index + width] : 0
            let quantified = after == UInt8(ascii: "?") || after == UInt8(ascii: "*") || after == UInt8(ascii: "{")
            if let literal, !quantified {
                run.append(literal)
                if after == UInt8(ascii: "+") { close() }
            } else {
                close()
            }
            index += width
        }
        close()
        return best.isEmpty ? nil : best
    }

    package func matches(_ text: String) -> Bool {
        matches(FoldedText(text))
    }

    package func matches(_ text: FoldedText) -> Bool {
        if let phrases {
            return phrases.contains { CompiledPattern.contains(text.lowercaseASCII, $0) }
        }
        guard let regex else { return false }
        // ICU folds some non-ASCII letters onto ASCII ones (the Kelvin sign on k): such texts
        // skip the prefilter.
        if let required, text.isASCII, !required.contains(where: { CompiledPattern.contains(text.lowercaseASCII, $0) }) { return false }
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
