package import LacakSupport
package import LacakModel

/// Renders `orders/<order_id>.json`: the current state of one order for other programs.
package struct SnapshotRenderer: Sendable {
    package var zone: ZoneRules

    package init(zone: ZoneRules) {
        self.zone = zone
    }

    /// The snapshot document; `courierName` comes from the current config.
    package func render(_ order: Order, events: [TrackingEvent], courierName: String?) -> [UInt8] {
        let meta: JSONValue = order.meta.flatMap { try? JSONParser().parse($0) } ?? .null
        let document = JSONValue.fields([
            "order_id": .string(order.orderID.rawValue),
            "status": .fields([
                "buyer": .string(order.view.buyer.rawValue),
                "buyer_label": .string(order.view.buyer.label),
                "seller": .string(order.view.seller.rawValue),
                "seller_label": .string(order.view.seller.label),
                "carrier": .string(order.carrier.status.rawValue),
                "carrier_reason": .optionalString(order.carrier.reason?.rawValue),
                "shop": .string(order.shopStatus.rawValue),
            ]),
            "courier": Self.courierJSON(order, providerName: courierName, includeService: true),
            "tracking_number": .optionalString(order.trackingNumber?.rawValue),
            "events": .array(events.map { Self.eventJSON($0, zone: zone) }),
            "events_dropped": .integer(Int64(order.eventsDropped)),
            "created_at": .string(order.createdAt.iso8601(in: zone)),
            "updated_at": .string(order.updatedAt.iso8601(in: zone)),
            "last_checked": time(order.lastChecked),
            "next_check": time(order.nextCheck),
            "last_error": .optionalString(order.lastError),
            "meta": meta,
        ])
        return JSONWriter().bytes(document)
    }

    private func time(_ value: Timestamp?) -> JSONValue {
        value.map { .string($0.iso8601(in: zone)) } ?? .null
    }

    /// The courier of an order: its code and name, the provider that polls it, and the
    /// candidates when detection could not choose.
    static func courierJSON(_ order: Order, providerName: String?, includeService: Bool) -> JSONValue {
        guard order.courierID != nil || order.courierCode != nil || order.courierCandidates != nil else { return .null }
        var fields: [(key: String, value: JSONValue)] = [
            ("code", .optionalString(order.courierCode)),
            ("name", .optionalString(order.courierCode.map(CourierNames.name(of:)))),
            ("provider", .optionalString(order.courierID)),
            ("provider_name", .optionalString(providerName)),
        ]
        if includeService { fields.append(("service", .optionalString(order.service))) }
        if let candidates = order.courierCandidates { fields.append(("candidates", .array(candidates.map(JSONValue.string)))) }
        return .object(JSONObject(fields))
    }

    static func eventJSON(_ event: TrackingEvent, zone: ZoneRules) -> JSONValue {
        .fields([
            "time": .string(event.time.iso8601(in: zone)),
            "status": .optionalString(event.status?.rawValue),
            "reason": .optionalString(event.reason?.rawValue),
            "code": .optionalString(event.code),
            "description": .string(event.description),
            "location": .optionalString(event.location),
        ])
    }
}
