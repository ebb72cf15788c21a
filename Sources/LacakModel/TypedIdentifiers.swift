package import LacakSupport

/// An identifier that is a checked string: a type each, so an order id cannot be passed where a
/// tracking number goes, and a tracking number is always in the one form couriers are asked in.
package protocol CheckedIdentifier: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral where RawValue == String {
    /// Wraps a value lacak already checked (from its own state, or validated before); not
    /// checked again, since it is on the path of every poll.
    init(trusted rawValue: String)

    /// Whether `text` is this identifier in its normal form (what `init?(rawValue:)` accepts).
    static func isValid(_ text: String) -> Bool
}

extension CheckedIdentifier {
    package var description: String { rawValue }

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A literal in lacak's own code or tests; it is taken as written.
    package init(stringLiteral value: String) { self.init(trusted: value) }

    /// The identifier, if `rawValue` is one in normal form.
    package init?(rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.init(trusted: rawValue)
    }
}

/// A shop's order id: 1–64 of letters, digits, `-`, `_`, `.`, not starting with `.`.
package struct OrderID: CheckedIdentifier {
    package let rawValue: String

    package static func isValid(_ text: String) -> Bool { Identifiers.isValidOrderID(text) }

    package init(trusted rawValue: String) { self.rawValue = rawValue }
}

/// A tracking number in the form couriers use: 5–40 of uppercase letters, digits and `-`.
///
/// Courier answers are keyed by it, and every number read from an answer goes through
/// `init(echoed:)`, so one the courier writes in lowercase or with spaces still finds its parcel.
package struct TrackingNumber: CheckedIdentifier {
    package let rawValue: String

    /// Whether `text` is a number already in normal form.
    package static func isValid(_ text: String) -> Bool { Identifiers.isValidTrackingNumber(text) }

    /// A number as people write it (spaces, lowercase), or the reason it cannot be one.
    package init(normalizing text: String) throws(IdentifierError) {
        rawValue = try Identifiers.normalizeTrackingNumber(text).get()
    }

    /// The number a courier's answer names, in normal form; nil when it cannot be one.
    package init?(echoed text: String) {
        guard case .success(let normal) = Identifiers.normalizeTrackingNumber(text) else { return nil }
        rawValue = normal
    }

    package init(trusted rawValue: String) { self.rawValue = rawValue }
}

/// A configured courier: the `id` of a `[[courier]]` table (`binderbyte`, `jne-api`), what
/// polls a package. 1–32 of `a-z`, `0-9`, `-`, `_`, starting with a letter or digit.
package struct CourierID: CheckedIdentifier {
    package let rawValue: String

    package static func isValid(_ text: String) -> Bool { Identifiers.isValidCourierID(text) }

    package init(trusted rawValue: String) { self.rawValue = rawValue }
}

/// A courier that carries parcels, in lacak's codes (`jne`, `jnt`, `sicepat`): what the shop
/// names and what a tracking number's format points to. The shop may also name a configured
/// courier's id here, which then serves as its code. Lowercase letters, digits, `-`, `_`.
package struct CourierCode: CheckedIdentifier {
    package let rawValue: String

    package static func isValid(_ text: String) -> Bool { Identifiers.isValidCourierCode(text) }

    package init(trusted rawValue: String) { self.rawValue = rawValue }
}
