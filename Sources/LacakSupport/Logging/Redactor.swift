import Foundation

/// Hides secrets in text that goes to logs, errors and output files.
///
/// Both the secret values themselves (and their percent-encoded form) and the values of query
/// parameters named as secret are replaced by `***`.
package struct Redactor: Sendable {
    private let values: [String]
    private let parameterNames: Set<String>

    package init(secrets: [Secret] = [], parameterNames: [String] = []) {
        var values: [String] = []
        // Every secret, however short: a two-character key echoed by a courier is still a key.
        for secret in secrets where !secret.value.isEmpty {
            values.append(secret.value)
            let encoded = URLEncoding.percentEncode(secret.value)
            if encoded != secret.value { values.append(encoded) }
        }
        // Longest first, so a secret that contains another is hidden whole.
        self.values = values.sorted { $0.count > $1.count }
        self.parameterNames = Set(parameterNames.map { $0.lowercased() })
    }

    /// A redactor that hides everything either one hides.
    package func merging(_ other: Redactor) -> Redactor {
        Redactor(values: values + other.values, parameterNames: parameterNames.union(other.parameterNames))
    }

    private init(values: [String], parameterNames: Set<String>) {
        self.values = values.sorted { $0.count > $1.count }
        self.parameterNames = parameterNames
    }

    package func redact(_ text: String) -> String {
        var output = text
        for value in values where output.contains(value) {
            output = output.replacingAll(value, with: "***")
        }
        guard !parameterNames.isEmpty, output.contains("=") else { return output }
        return redactParameters(output)
    }

    private func redactParameters(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let equals = rest.firstIndex(of: "=") {
            let before = rest[..<equals]
            let nameStart = before.lastIndex(where: { $0 == "?" || $0 == "&" || $0 == " " || $0 == ";" }).map { before.index(after: $0) } ?? before.startIndex
            let name = before[nameStart...]
            result += rest[...equals]
            rest = rest[rest.index(after: equals)...]
            if parameterNames.contains(name.lowercased()) {
                let end = rest.firstIndex(where: { $0 == "&" || $0 == " " || $0 == "#" || $0 == "\"" || $0 == "'" }) ?? rest.endIndex
                result += "***"
                rest = rest[end...]
            }
        }
        return result + rest
    }

    /// `bytes` with every secret (raw or percent-encoded) replaced by `***`: applied once, where
    /// a courier's answer enters lacak, so no echoed key reaches a snapshot, state, `--output
    /// json` or a lookup's output. The common case, no secret in the body, copies nothing.
    package func redact(bytes: [UInt8]) -> [UInt8] {
        guard !values.isEmpty, !bytes.isEmpty else { return bytes }
        var output = bytes
        // Secrets under four bytes would also hit JSON syntax, numbers and times in the raw
        // body; they are redacted in the parsed strings instead (`redact(json:)`).
        for value in values where value.utf8.count >= 4 {
            let needle = Array(value.utf8)
            guard let first = needle.first, needle.count <= output.count, output.contains(first) else { continue }
            var result: [UInt8] = []
            var index = 0
            var found = false
            while index < output.count {
                if output[index] == first, index + needle.count <= output.count, output[index..<(index + needle.count)].elementsEqual(needle) {
                    if !found { result.reserveCapacity(output.count); result.append(contentsOf: output[0..<index]); found = true }
                    result.append(contentsOf: Array("***".utf8))
                    index += needle.count
                    continue
                }
                if found { result.append(output[index]) }
                index += 1
            }
            if found { output = result }
        }
        return output
    }

    /// Whether a secret is too short to be redacted in raw bytes (see `redact(json:)`).
    package var hasShortSecrets: Bool {
        values.contains { $0.utf8.count < 4 }
    }

    /// `value` with every string (and member name) redacted: for answers parsed before their
    /// short secrets could be taken out of the bytes.
    package func redact(json value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(redact(text))
        case .array(let elements): return .array(elements.map(redact(json:)))
        case .object(let object): return .object(JSONObject(object.members.map { (redact($0.key), redact(json: $0.value)) }))
        default: return value
        }
    }

    /// A URL without its query and fragment, for messages that must not carry parameters.
    package static func stripQuery(_ url: String) -> String {
        guard let index = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return url }
        return String(url[..<index]) + "?…"
    }
}

/// Percent-encoding for values placed in URLs and form bodies.
package enum URLEncoding {
    /// Encodes everything except RFC 3986 unreserved characters, so a value can never add a
    /// path segment, a query parameter or a fragment.
    package static func percentEncode(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0xF)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
