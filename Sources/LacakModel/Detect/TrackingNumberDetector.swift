import Foundation
import LacakSupport

/// Recognises which courier issued a tracking number, from rule files in the
/// tracking_number_data JSON schema: a regex with named groups per number format, a checksum
/// over `SerialNumber` compared with `CheckDigit`, and lookups that must resolve.
///
/// A number can fit several couriers; `detect` returns every candidate with its reason and
/// leaves the choice to the caller.
package struct TrackingNumberDetector: Sendable {
    /// One number format of one courier, compiled.
    struct Rule: Sendable {
        let courierCode: String
        let courierName: String
        let name: String
        let file: String
        let regex: NSRegularExpression
        let checksum: Checksum?
        let prepend: (regex: NSRegularExpression, content: String)?
        let required: [String]
        let lookups: [String: Lookup]
    }

    /// An `additional` entry: a named group whose value must be one of a list.
    struct Lookup: Sendable {
        let group: String
        let exact: Set<String>
        let patterns: [NSRegularExpression]

        func resolves(_ value: String) -> Bool {
            if exact.contains(value) { return true }
            let range = NSRange(value.startIndex..., in: value)
            return patterns.contains { $0.firstMatch(in: value, range: range) != nil }
        }
    }

    /// A courier a number fits, and why.
    package struct Candidate: Sendable, Equatable, CustomStringConvertible {
        package var courierCode: String
        package var courierName: String
        package var rule: String
        /// The checksum that passed, or nil for formats without a check digit.
        package var checksum: String?

        package var description: String {
            "\(courierCode) (\(courierName), format '\(rule)', " + (checksum.map { "\($0) check digit valid" } ?? "no check digit") + ")"
        }
    }

    /// A format the number has the shape of but fails (a wrong check digit), for explanations.
    package struct NearMiss: Sendable, Equatable, CustomStringConvertible {
        package var courierCode: String
        package var rule: String
        package var reason: String
        package var description: String { "\(courierCode) format '\(rule)': \(reason)" }
    }

    let rules: [Rule]

    /// Courier codes the rules know.
    package var courierCodes: [String] { Array(Set(rules.map(\.courierCode))).sorted() }

    /// A detector without rules: it recognises nothing.
    package init() {
        rules = []
    }

    /// Compiles rule files already read (`ruleFiles`: each file's path, for errors, and its
    /// bytes), in order: later files add formats, they do not replace. Reading them is the
    /// config's job (`LacakConfig/TrackingNumberRules.swift`); the model does no I/O.
    package init(ruleFiles: [(path: String, bytes: [UInt8])]) throws(RuleFileError) {
        var rules: [Rule] = []
        for file in ruleFiles { rules += try Self.load(file: file.path, bytes: file.bytes) }
        self.rules = rules
    }

    /// Every courier `text` fits, best evidence first (a passing check digit beats none), and
    /// the formats it nearly fits.
    package func detect(_ text: String) -> (candidates: [Candidate], nearMisses: [NearMiss]) {
        let (formats, misses) = matchingFormats(text)
        var candidates: [Candidate] = []
        for format in formats where !candidates.contains(where: { $0.courierCode == format.courierCode }) {
            candidates.append(format)
        }
        // Formats with a verified check digit are stronger evidence than a bare shape.
        let ordered = candidates.filter { $0.checksum != nil } + candidates.filter { $0.checksum == nil }
        return (ordered, misses)
    }

    /// Every format `text` passes (several per courier possible), and those it nearly passes.
    package func matchingFormats(_ text: String) -> (formats: [Candidate], nearMisses: [NearMiss]) {
        let input = text.uppercased().trimmingWhitespace()
        let range = NSRange(input.startIndex..., in: input)
        var candidates: [Candidate] = []
        var misses: [NearMiss] = []
        for rule in rules {
            guard let match = rule.regex.firstMatch(in: input, range: range) else { continue }
            func group(_ name: String) -> String? {
                let groupRange = match.range(withName: name)
                guard groupRange.location != NSNotFound, let swiftRange = Range(groupRange, in: input) else { return nil }
                return input[swiftRange].filter { !$0.isWhitespace }
            }
            if let checksum = rule.checksum {
                guard var serial = group("SerialNumber"), let checkDigit = group("CheckDigit") else {
                    misses.append(NearMiss(courierCode: rule.courierCode, rule: rule.name, reason: "no serial number or check digit"))
                    continue
                }
                if let prepend = rule.prepend, prepend.regex.firstMatch(in: serial, range: NSRange(serial.startIndex..., in: serial)) != nil {
                    serial = prepend.content + serial
                }
                guard checksum.verify(serial: serial, checkDigit: checkDigit) else {
                    misses.append(NearMiss(courierCode: rule.courierCode, rule: rule.name, reason: "\(checksum.name) check digit \(checkDigit) is wrong"))
                    continue
                }
            }
            if let missing = rule.required.first(where: { name in
                guard let lookup = rule.lookups[name], let value = group(lookup.group) else { return true }
                return !lookup.resolves(value)
            }) {
                misses.append(NearMiss(courierCode: rule.courierCode, rule: rule.name, reason: "\(missing) is not one the format allows"))
                continue
            }
            candidates.append(Candidate(courierCode: rule.courierCode, courierName: rule.courierName, rule: rule.name, checksum: rule.checksum?.name))
        }
        return (candidates, misses)
    }

    // MARK: Loading

    /// The largest rule file read.
    package static let maxFileBytes = 4 << 20

    private static func load(file: String, bytes: [UInt8]) throws(RuleFileError) -> [Rule] {
        func fail(_ message: String) -> RuleFileError { RuleFileError(file: file, message: message) }
        guard bytes.count <= maxFileBytes else { throw fail("the file is larger than 4 MiB") }
        let document: JSONValue
        do {
            document = try JSONParser().parse(bytes)
        } catch {
            throw fail("not valid JSON: \(error)")
        }
        guard let courierCode = document["courier_code"]?.stringValue?.lowercased(), !courierCode.isEmpty else { throw fail("courier_code is missing") }
        let courierName = document["name"]?.stringValue ?? courierCode
        guard let formats = document["tracking_numbers"]?.arrayValue else { throw fail("tracking_numbers is missing") }
        var rules: [Rule] = []
        for (index, format) in formats.enumerated() {
            let name = format["name"]?.stringValue ?? "\(courierCode) #\(index + 1)"
            do throws(RuleFileError.Problem) {
                rules.append(try compile(format, name: name, courierCode: courierCode, courierName: courierName, file: file))
            } catch {
                throw fail("tracking_numbers[\(index)] (\(name)): \(error.message)")
            }
        }
        return rules
    }

    private static func compile(_ format: JSONValue, name: String, courierCode: String, courierName: String, file: String) throws(RuleFileError.Problem) -> Rule {
        let pattern: String
        switch format["regex"] {
        case .string(let text): pattern = text
        case .array(let parts):
            // An array is one pattern cut into pieces, not alternatives.
            pattern = parts.compactMap(\.stringValue).joined()
        default: throw .init("regex is missing")
        }
        let regex = try compileRegex("^(?:" + pattern + ")$", what: "regex")
        let validation = format["validation"] ?? .object(JSONObject())
        let checksum = try validation["checksum"].map { (value: JSONValue) throws(RuleFileError.Problem) -> Checksum in try Checksum(value) }
        var prepend: (NSRegularExpression, String)?
        if let rule = validation["serial_number_format"]?["prepend_if"] {
            guard let condition = rule["matches_regex"]?.stringValue, let content = rule["content"]?.stringValue else {
                throw .init("prepend_if needs matches_regex and content")
            }
            prepend = (try compileRegex(condition, what: "prepend_if.matches_regex"), content)
        }
        let required = validation["additional"]?["exists"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var lookups: [String: Lookup] = [:]
        for entry in format["additional"]?.arrayValue ?? [] {
            guard let lookupName = entry["name"]?.stringValue, let group = entry["regex_group_name"]?.stringValue else {
                throw .init("an additional entry needs name and regex_group_name")
            }
            var exact: Set<String> = []
            var patterns: [NSRegularExpression] = []
            for item in entry["lookup"]?.arrayValue ?? [] {
                if let value = item["matches"]?.scalarText { exact.insert(value.uppercased()) }
                if let value = item["matches_regex"]?.stringValue { patterns.append(try compileRegex("^(?:" + value + ")$", what: "lookup matches_regex")) }
            }
            lookups[lookupName] = Lookup(group: group, exact: exact, patterns: patterns)
        }
        for name in required where lookups[name] == nil {
            throw .init("validation.additional.exists names '\(name)', which no additional entry defines")
        }
        return Rule(courierCode: courierCode, courierName: courierName, name: name, file: file, regex: regex, checksum: checksum,
                    prepend: prepend, required: required, lookups: lookups)
    }

    private static func compileRegex(_ pattern: String, what: String) throws(RuleFileError.Problem) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern)
        } catch {
            throw .init("\(what) is not a valid regular expression: \(pattern)")
        }
    }
}

/// A rule file that cannot be used: which file, and why.
package struct RuleFileError: Error, Sendable, CustomStringConvertible {
    package var file: String
    package var message: String
    package var description: String { "\(file): \(message)" }

    package init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    /// A problem inside a file, before it is tied to the file's name.
    struct Problem: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }
}
