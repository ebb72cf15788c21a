package import LacakSupport

/// An identifier that is a checked string: a type each, so an order id cannot be passed where a
/// tracking number goes, and a tracking number is always in the one form couriers are asked in.
package protocol CheckedIdentifier: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral where RawValue == String {
    /// Wraps a value lacak already checked (from its own state, or validated before); not
    /// checked again, since it is on the path of every poll.
    init(trusted rawValue: String)
}

extension CheckedIdentifier {
    package var description: String { rawValue }

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A literal in lacak's own code or tests; it is taken as written.
    package init(stringLiteral value: String) { self.init(trusted: value) }
}

/// A shop's order id: 1–64 of letters, digits, `-`, `_`, `.`, not starting with `.`.
package struct OrderID: CheckedIdentifier {
    package let rawValue: String

    package init?(rawValue: String) {
        guard Identifiers.isValidOrderID(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    package init(trusted rawValue: String) { self.rawValue = rawValue }
}

/// A tracking number in the form couriers use: 5–40 of uppercase letters, digits and `-`.
///
/// Courier answers are keyed by it, and every number read from an answer goes through
/// `init(echoed:)`, so one the courier writes in lowercase or with spaces still finds its parcel.
package struct TrackingNumber: CheckedIdentifier {
    package let rawValue: String

    /// A number already in normal form; nil otherwise.
    package init?(rawValue: String) {
        guard Identifiers.isValidTrackingNumber(rawValue) else { return nil }
        self.rawValue = rawValue
    }

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

    package init?(rawValue: String) {
        guard Identifiers.isValidCourierID(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    package init(trusted rawValue: String) { self.rawValue = rawValue }
}

/// A courier that carries parcels, in lacak's codes (`jne`, `jnt`, `sicepat`): what the shop
/// names and what a tracking number's format points to. The shop may also name a configured
/// courier's id here, which then serves as its code. Lowercase letters, digits, `-`, `_`.
package struct CourierCode: CheckedIdentifier {
    package let rawValue: String

    package init?(rawValue: String) {
        guard Identifiers.isValidCourierCode(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    package init(trusted rawValue: String) { self.rawValue = rawValue }
}
