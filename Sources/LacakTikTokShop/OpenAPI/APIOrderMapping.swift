package import LacakSupport
package import LacakModel
package import LacakIntake

/// An Open API order (Get Order Detail, 202309) as an intake record: its status, its packages
/// from the line items (`package_id`, `tracking_number`, `shipping_provider_name`), and `meta`.
package struct APIOrderMapping: Sendable {
    let providers: ShippingProviders
    let zone: ZoneRules

    package init(providers: [String: CourierCode] = [:], zone: ZoneRules) {
        self.providers = ShippingProviders(extra: providers)
        self.zone = zone
    }

    /// The record of one order object, or why it cannot be one.
    package func record(_ order: JSONValue) -> Result<IntakeRecord, IntakeRecordError> {
        guard let id = order["id"]?.stringValue else { return .failure(IntakeRecordError("an order without an id")) }
        if let problem = Identifiers.orderIDProblem(id) { return .failure(IntakeRecordError("order '\(IntakeRecord.printable(id))': \(problem)")) }
        var record = IntakeRecord(orderID: OrderID(trusted: id))
        if let status = order["status"]?.stringValue {
            guard let shop = ShopStatus(intake: status) else { return .failure(IntakeRecordError("order \(id): unknown status '\(IntakeRecord.printable(status))'")) }
            record.shopStatus = shop
        }
        var packages: [OrderRules.Package] = []
        for item in order["line_items"]?.arrayValue ?? [] {
            guard let text = item["tracking_number"]?.stringValue, !text.trimmingWhitespace().isEmpty else { continue }
            guard case .success(let normalized) = Identifiers.normalizeTrackingNumber(text) else {
                return .failure(IntakeRecordError("order \(id): tracking number '\(IntakeRecord.printable(text))' is not one"))
            }
            let number = TrackingNumber(trusted: normalized)
            let packageID = item["package_id"]?.stringValue.flatMap { Self.packageID($0) }
            if packages.contains(where: { $0.trackingNumber == number || (packageID != nil && $0.packageID == packageID) }) { continue }
            packages.append(OrderRules.Package(trackingNumber: number, courier: providers.code(for: item["shipping_provider_name"]?.stringValue ?? ""), packageID: packageID))
        }
        if packages.isEmpty, let text = order["tracking_number"]?.stringValue, case .success(let normalized) = Identifiers.normalizeTrackingNumber(text) {
            // An older answer shape: the order's one tracking number at the top.
            packages.append(OrderRules.Package(trackingNumber: TrackingNumber(trusted: normalized), courier: providers.code(for: order["shipping_provider"]?.stringValue ?? ""),
                                               packageID: order["packages"]?.arrayValue?.first?["id"]?.stringValue.flatMap { Self.packageID($0) }))
        }
        record.packages = Array(packages.prefix(IntakeRecord.maxPackages))
        record.meta = meta(order)
        return .success(record)
    }

    static func packageID(_ text: String) -> String? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.utf8.count <= IntakeRecord.maxPackageIDLength,
              trimmed.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }) else { return nil }
        return trimmed
    }

    private func meta(_ order: JSONValue) -> String {
        var members: [(key: String, value: JSONValue)] = [("source", .string("tiktokshop_api"))]
        func text(_ key: String, _ value: JSONValue?) {
            if let string = value?.stringValue, !string.isEmpty { members.append((key, .string(String(string.prefix(200))))) }
        }
        text("buyer", order["recipient_address"]?["name"])
        text("order_status", order["status"])
        text("commerce_platform", order["commerce_platform"])
        text("cancel_reason", order["cancel_reason"])
        text("cancellation_initiator", order["cancellation_initiator"])
        text("shipping_provider", order["shipping_provider"])
        for (key, field) in [("created_time", "create_time"), ("paid_time", "paid_time"), ("updated_time", "update_time")] {
            if let seconds = order[field]?.integerValue, seconds > 0, seconds < 32_503_680_000 {
                members.append((key, .string(Timestamp(seconds: seconds).iso8601(in: zone))))
            }
        }
        var items: [JSONValue] = []
        for item in order["line_items"]?.arrayValue ?? [] {
            var fields: [(key: String, value: JSONValue)] = []
            for key in ["product_name", "sku_name", "seller_sku", "sku_id", "package_id"] {
                if let value = item[key]?.stringValue, !value.isEmpty { fields.append((key, .string(String(value.prefix(200))))) }
            }
            items.append(.object(JSONObject(fields)))
        }
        // Every member is at most 200 characters: they always fit, with some of the items.
        return SellerCenterExport.fittedMeta(members, items: items) ?? "{\"source\":\"tiktokshop_api\"}"
    }
}
