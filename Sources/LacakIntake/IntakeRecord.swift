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
    package var courier: CourierCode?
    package var shopStatus: ShopStatus?
    /// Packages named one by one (`packages`), for an order shipped in several.
    package var packages: [OrderRules.Package] = []
    /// The `meta` object, as compact JSON text, copied into the order snapshot.
    package var meta: String?

    package init(orderID: OrderID, trackingNumber: TrackingNumber? = nil, courier: CourierCode? = nil, shopStatus: ShopStatus? = nil,
                 packages: [OrderRules.Package] = [], meta: String? = nil) {
        self.orderID = orderID
        self.trackingNumber = trackingNumber
        self.courier = courier
        self.shopStatus = shopStatus
        self.packages = packages
        self.meta = meta
    }

    /// Most packages one record may name.
    package static let maxPackages = 100
    /// Longest package id accepted.
    package static let maxPackageIDLength = 64

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

        trackingNumber = try Self.trackingNumber(object["tracking_number"], field: "tracking_number")
        courier = try Self.courier(object["courier"], field: "courier")
        if let value = object["packages"], value != .null {
            guard trackingNumber == nil else {
                throw IntakeRecordError("give either tracking_number or packages, not both (a one-package order may use either)")
            }
            packages = try Self.packages(value)
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

    private static func trackingNumber(_ value: JSONValue?, field: String) throws(IntakeRecordError) -> TrackingNumber? {
        guard let value, value != .null else { return nil }
        guard let text = Self.text(value) else { throw IntakeRecordError("\(field) must be a string") }
        if text.trimmingWhitespace().isEmpty { return nil }
        switch Identifiers.normalizeTrackingNumber(text) {
        case .success(let normalized): return TrackingNumber(trusted: normalized)
        case .failure(let error): throw IntakeRecordError(field == "tracking_number" ? error.message : "\(field): \(error.message)")
        }
    }

    private static func courier(_ value: JSONValue?, field: String) throws(IntakeRecordError) -> CourierCode? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue?.trimmingWhitespace().lowercased() else { throw IntakeRecordError("\(field) must be a string") }
        if text.isEmpty { return nil }
        guard let code = CourierCode(rawValue: text) else {
            throw IntakeRecordError("\(field) '\(Self.printable(text))' is not a courier code (lowercase letters, digits, '-', '_')")
        }
        return code
    }

    /// `packages: [{tracking_number, courier, package_id}]`: each needs its tracking number;
    /// a tracking number or package id named twice is refused, since which one holds is unclear.
    private static func packages(_ value: JSONValue) throws(IntakeRecordError) -> [OrderRules.Package] {
        guard case .array(let items) = value else { throw IntakeRecordError("packages must be an array of objects") }
        guard items.count <= maxPackages else { throw IntakeRecordError("packages has \(items.count) entries; at most \(maxPackages) are accepted") }
        var packages: [OrderRules.Package] = []
        for (index, item) in items.enumerated() {
            let field = "packages[\(index)]"
            guard case .object(let entry) = item else { throw IntakeRecordError("\(field) must be an object, found \(item.kindName)") }
            guard let number = try trackingNumber(entry["tracking_number"], field: field + ".tracking_number") else {
                throw IntakeRecordError("\(field).tracking_number is missing (a package is tracked once it has one)")
            }
            var packageID: String?
            if let value = entry["package_id"], value != .null {
                guard let text = Self.text(value)?.trimmingWhitespace(), !text.isEmpty else { throw IntakeRecordError("\(field).package_id must be a non-empty string") }
                guard text.count <= maxPackageIDLength, text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }) else {
                    throw IntakeRecordError("\(field).package_id '\(printable(text))' must be at most \(maxPackageIDLength) printable ASCII characters without spaces")
                }
                packageID = text
            }
            let package = OrderRules.Package(trackingNumber: number, courier: try courier(entry["courier"], field: field + ".courier"), packageID: packageID)
            if packages.contains(where: { $0.trackingNumber == number }) {
                throw IntakeRecordError("\(field).tracking_number \(number) is named twice")
            }
            if let packageID, packages.contains(where: { $0.packageID == packageID }) {
                throw IntakeRecordError("\(field).package_id \(packageID) is named twice")
            }
            packages.append(package)
        }
        return packages
    }

    private static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        default: return nil
        }
    }

    /// At most 40 printable characters of untrusted text, for error messages.
    package static func printable(_ text: String) -> String {
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
