package import LacakSupport
package import LacakModel
package import LacakConfig
import Foundation

/// Renders the notification files of a status change, one per audience.
///
/// The rendered bytes are stored in the outbox in the same transaction as the change, so a
/// delivery repeated after a crash writes exactly the same file under the same name.
package struct NotificationComposer: Sendable {
    /// Placeholders a template may use.
    package static var placeholders: [String] { NotificationText.placeholders }

    package let locale: NotificationLocale
    package let templates: TemplateOverrides
    package let audiences: [Audience]
    package let zone: ZoneRules
    /// Each kind's templates, parsed once: composing runs for every status change.
    private let parsed: [NotificationKind: ParsedText]

    private struct ParsedText: Sendable {
        var title: Template
        var bodies: [(audience: Audience, body: Template)]
    }

    package init(locale: NotificationLocale, templates: TemplateOverrides, audiences: [Audience], zone: ZoneRules) {
        self.locale = locale
        self.templates = templates
        self.audiences = audiences
        self.zone = zone
        var parsed: [NotificationKind: ParsedText] = [:]
        for kind in NotificationKind.allCases {
            let text = templates.text(kind, locale: locale)
            parsed[kind] = ParsedText(title: Template(text.title),
                                      bodies: audiences.filter { !text.body(for: $0).isEmpty }.map { ($0, Template(text.body(for: $0))) })
        }
        self.parsed = parsed
    }

    package init(config: LacakConfig) {
        self.init(locale: config.daemon.locale, templates: config.templates, audiences: config.daemon.audiences, zone: config.daemon.timeZone)
    }

    /// One rendered notification.
    package struct Notification: Sendable {
        package var audience: Audience
        package var id: String
        package var fileName: String
        package var payload: [UInt8]
    }

    /// The audiences that get a notification of `kind`: the configured ones whose text is not empty.
    package func recipients(of kind: NotificationKind) -> [Audience] {
        let text = templates.text(kind, locale: locale)
        return audiences.filter { !text.body(for: $0).isEmpty }
    }

    /// The notifications of `change` (stored as `changeID`) for `order`; `courierNames` are the
    /// provider names by courier id.
    ///
    /// A notification names the package it is about: the change's, or the order's only one.
    package func compose(_ change: StatusChange, changeID: Int64, order: Order, courierNames: [String: String]) -> [Notification] {
        guard let kind = change.kind, let text = parsed[kind], !text.bodies.isEmpty else { return [] }
        let package = change.trackingNumber.flatMap(order.shipment) ?? order.soleShipment
        let courierName = package?.courierID.flatMap { courierNames[$0.rawValue] }
        let values = placeholderValues(change: change, order: order, package: package, courierName: courierName)
        let title = text.title.render { values[$0] }
        var notifications: [Notification] = []
        for (audience, template) in text.bodies {
            let body = template.render { values[$0] }
            let id = Self.paddedID(changeID) + "-" + audience.rawValue
            let fileName = String(change.at.milliseconds) + "." + id + ".json"
            let document = JSONValue.fields([
                "id": .string(id),
                "title": .string(title),
                "body": .string(body),
                "audience": .string(audience.rawValue),
                "kind": .string(kind.rawValue),
                "locale": .string(locale.rawValue),
                "order_id": .string(order.orderID.rawValue),
                "courier": package.map { SnapshotRenderer.courierJSON($0, providerName: courierName, includeService: false) }
                    ?? SnapshotRenderer.namedCourierJSON(order),
                "tracking_number": .optionalString(package?.trackingNumber.rawValue),
                "package_id": .optionalString(package?.packageID),
                "packages": .integer(Int64(order.shipments.count)),
                "old_status": change.old.map { Self.statusJSON(carrier: $0.carrier, view: $0.view) } ?? .null,
                "new_status": Self.statusJSON(carrier: change.new.carrier, view: change.new.view),
                "event": change.event.map { SnapshotRenderer.eventJSON($0, zone: zone) } ?? .null,
                "created_at": .string(change.at.iso8601(in: zone)),
            ])
            notifications.append(Notification(audience: audience, id: id, fileName: fileName, payload: JSONWriter().bytes(document)))
        }
        return notifications
    }

    static func statusJSON(carrier: CarrierStatus, view: OrderView) -> JSONValue {
        .fields([
            "carrier": .string(carrier.rawValue),
            "buyer": .string(view.buyer.rawValue),
            "seller": .string(view.seller.rawValue),
        ])
    }

    static func paddedID(_ id: Int64) -> String {
        let digits = String(id)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    private func placeholderValues(change: StatusChange, order: Order, package: Shipment?, courierName: String?) -> [String: String] {
        let fallbackCourier = locale == .indonesian ? "kurir" : "the courier"
        let eventText = change.event?.description.trimmingWhitespace() ?? ""
        return [
            "order_id": order.orderID.rawValue,
            "courier": (package?.courierCode ?? order.courierCode).map { CourierNames.name(of: $0) } ?? courierName ?? fallbackCourier,
            "tracking_number": package?.trackingNumber.rawValue ?? "-",
            "event": eventText.isEmpty ? change.new.view.buyer.label : Self.trimmingFinalPeriod(eventText),
            "location": change.event?.location ?? "",
            "time": HumanTime.format(Self.referenceTime(change: change, order: order, package: package), zone: zone, indonesian: locale == .indonesian),
            "status": change.new.view.buyer.label,
            "reason": package?.carrier.reason?.rawValue.replacingOccurrences(of: "_", with: " ") ?? "",
            "candidates": (package?.courierCandidates ?? []).map { CourierNames.name(of: $0) }.joined(separator: ", "),
        ]
    }

    /// The moment `{time}` names: since when for alerts, the event's time for status changes.
    private static func referenceTime(change: StatusChange, order: Order, package: Shipment?) -> Timestamp {
        switch change.kind {
        case .trackingStalled: return package?.lastEventAt ?? package?.addedAt ?? order.createdAt
        case .lateDispatch: return order.readySince ?? change.at
        default: return change.event?.time ?? change.at
        }
    }

    /// Templates end sentences themselves; a courier text ending in "." would double it.
    private static func trimmingFinalPeriod(_ text: String) -> String {
        text.hasSuffix(".") ? String(text.dropLast()) : text
    }
}

