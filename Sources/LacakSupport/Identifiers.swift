
/// Validation of the names and numbers that end up in URLs, file names and SQL parameters.
///
/// Everything from outside (intake files, courier responses) passes these checks before it is
/// used to build a path or a request, so `../` or `?x=` cannot reach either.
package enum Identifiers {
    /// Longest accepted order id.
    package static let maxOrderIDLength = 64
    /// Shortest and longest accepted tracking number.
    package static let trackingNumberLength = 5...40

    /// Order ids: 1-64 of letters, digits, `-`, `_`, `.`; not starting with `.`.
    package static func isValidOrderID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= maxOrderIDLength, bytes[0] != UInt8(ascii: ".") else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// Why `text` is not an order id, or nil when it is one.
    package static func orderIDProblem(_ text: String) -> String? {
        if text.isEmpty { return "order_id is empty" }
        if text.utf8.count > maxOrderIDLength { return "order_id is longer than \(maxOrderIDLength) characters" }
        if text.hasPrefix(".") { return "order_id cannot start with '.'" }
        if !isValidOrderID(text) { return "order_id may only contain letters, digits, '-', '_' and '.'" }
        return nil
    }

    /// Tracking numbers after normalisation: 5-40 of uppercase letters, digits and `-`.
    package static func isValidTrackingNumber(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard trackingNumberLength.contains(bytes.count) else { return false }
        return bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || $0 == UInt8(ascii: "-") }
    }

    /// A tracking number as written by people (spaces, lowercase) in the form couriers use,
    /// or a reason why it cannot be one.
    package static func normalizeTrackingNumber(_ text: String) -> Result<String, IdentifierError> {
        var output: [UInt8] = []
        for byte in text.utf8 {
            if byte == 0x20 || byte == 0x09 { continue }
            if byte >= 0x61 && byte <= 0x7A {
                output.append(byte - 0x20)
            } else if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || byte == UInt8(ascii: "-") {
                output.append(byte)
            } else {
                return .failure(IdentifierError(message: "tracking_number may only contain letters, digits and '-'"))
            }
        }
        guard trackingNumberLength.contains(output.count) else {
            return .failure(IdentifierError(message: "tracking_number must be \(trackingNumberLength.lowerBound)-\(trackingNumberLength.upperBound) characters long"))
        }
        return .success(String(decoding: output, as: UTF8.self))
    }

    /// Courier ids: 1-32 of lowercase letters, digits, `-`, `_`, starting with a letter or digit.
    package static func isValidCourierID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 32, isLowerAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// Courier codes in intake (`jne`, `jnt`, `sicepat`): the same shape as courier ids.
    package static func isValidCourierCode(_ text: String) -> Bool {
        isValidCourierID(text)
    }

    /// Template placeholder names: a lowercase letter or `_`, then lowercase letters, digits, `_`.
    package static func isTemplateName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, (first >= 0x61 && first <= 0x7A) || first == UInt8(ascii: "_"), bytes.count <= 64 else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "_") }
    }

    /// HTTP header field names (RFC 9110 tokens).
    package static func isHeaderName(_ text: String) -> Bool {
        let allowed = Set("!#$%&'*+-.^_`|~".utf8)
        return !text.isEmpty && text.utf8.allSatisfy { isAlphanumeric($0) || allowed.contains($0) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A)
    }
}

/// An identifier that failed validation.
package struct IdentifierError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
