package import LacakSupport
package import LacakModel

/// One order as dropped into `incoming/`, validated.
///
/// Fields left out mean "unchanged" for an order lacak already knows, so a shop can send the
/// tracking number, or a cancellation, in a later file.
package struct IntakeRecord: Sendable, Equatable {
    package var orderID: OrderID
    package var trackingNumber: TrackingNumber?
    /// The courier code or courier id, lowercase.
    package var courier: String?
    package var shopStatus: ShopStatus?
    /// The `meta` object, as compact JSON text, copied into the order snapshot.
    package var meta: String?

    package init(orderID: OrderID, trackingNumber: TrackingNumber? = nil, courier: String? = nil, shopStatus: ShopStatus? = nil, meta: String? = nil) {
        self.orderID = orderID
        self.trackingNumber = trackingNumber
        self.courier = courier
        self.shopStatus = shopStatus
        self.meta = meta
    }

    /// Largest `meta` object accepted, as compact JSON.
    package static let maxMetaBytes = 8 * 1024

    /// Reads and validates one record; the error says which field is wrong and why.
    package init(json value: JSONValue) throws(IntakeRecordError) {
        guard case .object(let object) = value else {
            throw IntakeRecordError("expected an object, found \(value.kindName)")
        }
        guard let idValue = object["order_id"], idValue != .null else { throw IntakeRecordError("order_id is missing") }
        guard let orderID = Self.text(idValue) else { throw IntakeRecordError("order_id must be a string or a number") }
        if let problem = Identifiers.orderIDProblem(orderID) { throw IntakeRecordError(problem) }
        self.orderID = OrderID(trusted: orderID)

        if let value = object["tracking_number"], value != .null {
            guard let text = Self.text(value) else { throw IntakeRecordError("tracking_number must be a string") }
            if text.trimmingWhitespace().isEmpty {
                trackingNumber = nil
            } else {
                switch Identifiers.normalizeTrackingNumber(text) {
                case .success(let normalized): trackingNumber = TrackingNumber(trusted: normalized)
                case .failure(let error): throw IntakeRecordError(error.message)
                }
            }
        }
        if let value = object["courier"], value != .null {
            guard let text = value.stringValue?.trimmingWhitespace().lowercased() else { throw IntakeRecordError("courier must be a string") }
            if !text.isEmpty {
                guard Identifiers.isValidCourierCode(text) else {
                    throw IntakeRecordError("courier '\(Self.printable(text))' is not a courier code (lowercase letters, digits, '-', '_')")
                }
                courier = text
            }
        }
        if let value = object["status"], value != .null {
            guard let text = Self.text(value), let status = ShopStatus(intake: text) else {
                throw IntakeRecordError("unknown status '\(Self.printable(Self.text(value) ?? value.kindName))'; use e.g. AWAITING_SHIPMENT, IN_TRANSIT, CANCELLED or new_order, ready_to_ship")
            }
            shopStatus = status
        }
        if let value = object["meta"], value != .null {
            guard case .object = value else { throw IntakeRecordError("meta must be an object") }
            let compact = JSONWriter(pretty: false).bytes(value)
            guard compact.count <= Self.maxMetaBytes else { throw IntakeRecordError("meta is larger than \(Self.maxMetaBytes) bytes") }
            meta = String(decoding: compact, as: UTF8.self)
        }
    }

    private static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        default: return nil
        }
    }

    /// At most 40 printable characters of untrusted text, for error messages.
    static func printable(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.prefix(40).map { $0.properties.generalCategory == .control ? "?" : $0 }))
        return text.unicodeScalars.count > 40 ? cleaned + "…" : cleaned
    }
}

/// Why one intake record was refused.
package struct IntakeRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
