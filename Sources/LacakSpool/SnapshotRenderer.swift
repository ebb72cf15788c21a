package import LacakSupport
package import LacakModel

/// Renders `orders/<order_id>.json`: the current state of one order for other programs.
package struct SnapshotRenderer: Sendable {
    package var zone: ZoneRules

    package init(zone: ZoneRules) {
        self.zone = zone
    }

    /// The snapshot document; `courierNames` (provider names by courier id) come from the
    /// current config.
    ///
    /// Every package is listed under `packages` with its own events and status. The top-level
    /// `courier`, `tracking_number`, `events` and schedule fields are the package's when the
    /// order has exactly one, as they were before orders had packages; with several they are
    /// null (or empty) and `packages` is where to read.
    package func render(_ order: Order, events: [TrackingNumber: [TrackingEvent]], courierNames: [String: String]) -> [UInt8] {
        let meta: JSONValue = order.meta.flatMap { try? JSONParser().parse($0) } ?? .null
        let sole = order.soleShipment
        let soleEvents = sole.map { events[$0.trackingNumber] ?? [] } ?? []
        let document = JSONValue.fields([
            "order_id": .string(order.orderID.rawValue),
            "status": .fields([
                "buyer": .string(order.view.buyer.rawValue),
                "buyer_label": .string(order.view.buyer.label),
                "seller": .string(order.view.seller.rawValue),
                "seller_label": .string(order.view.seller.label),
                "carrier": .string(order.carrierStatus.rawValue),
                "carrier_reason": .optionalString(sole?.carrier.reason?.rawValue),
                "shop": .string(order.shopStatus.rawValue),
            ]),
            "courier": sole.map { Self.courierJSON($0, providerName: $0.courierID.flatMap { courierNames[$0.rawValue] }, includeService: true) }
                ?? Self.namedCourierJSON(order),
            "tracking_number": .optionalString(sole?.trackingNumber.rawValue),
            "events": .array(soleEvents.map { Self.eventJSON($0, zone: zone) }),
            "events_dropped": .integer(Int64(sole?.eventsDropped ?? 0)),
            "created_at": .string(order.createdAt.iso8601(in: zone)),
            "updated_at": .string(order.updatedAt.iso8601(in: zone)),
            "last_checked": time(sole?.lastChecked),
            "next_check": time(sole?.nextCheck),
            "last_error": .optionalString(sole?.lastError),
            "packages": .array(order.shipments.map { package($0, events: events[$0.trackingNumber] ?? [], courierNames: courierNames) }),
            "meta": meta,
        ])
        return JSONWriter().bytes(document)
    }

    /// One package: its id, tracking number, courier, status, schedule and events.
    private func package(_ shipment: Shipment, events: [TrackingEvent], courierNames: [String: String]) -> JSONValue {
        .fields([
            "package_id": .optionalString(shipment.packageID),
            "tracking_number": .string(shipment.trackingNumber.rawValue),
            "courier": Self.courierJSON(shipment, providerName: shipment.courierID.flatMap { courierNames[$0.rawValue] }, includeService: true),
            "status": .fields([
                "carrier": .string(shipment.carrier.status.rawValue),
                "carrier_reason": .optionalString(shipment.carrier.reason?.rawValue),
            ]),
            "events": .array(events.map { Self.eventJSON($0, zone: zone) }),
            "events_dropped": .integer(Int64(shipment.eventsDropped)),
            "last_checked": time(shipment.lastChecked),
            "next_check": time(shipment.nextCheck),
            "last_error": .optionalString(shipment.lastError),
        ])
    }

    private func time(_ value: Timestamp?) -> JSONValue {
        value.map { .string($0.iso8601(in: zone)) } ?? .null
    }

    /// The courier of a package: its code and name, the provider that polls it, and the
    /// candidates when detection could not choose.
    static func courierJSON(_ shipment: Shipment, providerName: String?, includeService: Bool) -> JSONValue {
        guard shipment.courierID != nil || shipment.courierCode != nil || shipment.courierCandidates != nil else { return .null }
        var fields: [(key: String, value: JSONValue)] = [
            ("code", .optionalString(shipment.courierCode?.rawValue)),
            ("name", .optionalString(shipment.courierCode.map { CourierNames.name(of: $0) })),
            ("provider", .optionalString(shipment.courierID?.rawValue)),
            ("provider_name", .optionalString(providerName)),
        ]
        if includeService { fields.append(("service", .optionalString(shipment.service))) }
        if let candidates = shipment.courierCandidates { fields.append(("candidates", .array(candidates.map { .string($0.rawValue) }))) }
        return .object(JSONObject(fields))
    }

    /// The courier the shop named for an order with no package yet (nothing polls it yet);
    /// null for an order of several packages, whose couriers are under `packages`.
    static func namedCourierJSON(_ order: Order) -> JSONValue {
        guard order.shipments.count <= 1, let code = order.courierCode else { return .null }
        return .fields([
            "code": .string(code.rawValue),
            "name": .string(CourierNames.name(of: code)),
            "provider": .null,
            "provider_name": .null,
            "service": .null,
        ])
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
