import LacakSupport
package import LacakModel

/// Title and per-audience body of one notification kind in one language.
package struct NotificationText: Sendable, Equatable {
    /// Placeholders a template may use.
    package static let placeholders = ["order_id", "courier", "tracking_number", "event", "location", "time", "status", "reason", "candidates"]

    package var title: String
    package var buyer: String
    package var seller: String

    package func body(for audience: Audience) -> String {
        audience == .buyer ? buyer : seller
    }
}

/// `[templates.<locale>.<kind>]` tables: replacements for the built-in texts.
///
/// Each table may set `title`, `buyer` and `seller`; an empty body turns that audience's
/// notification of that kind off.
package struct TemplateOverrides: Sendable, Decodable {
    package var texts: [NotificationLocale: [NotificationKind: PartialText]] = [:]

    /// The fields one override table sets.
    package struct PartialText: Sendable, Decodable {
        package var title: String?
        package var buyer: String?
        package var seller: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case title, buyer, seller
        }

        package init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            title = try container.decodeIfPresent(String.self, forKey: .title)
            buyer = try container.decodeIfPresent(String.self, forKey: .buyer)
            seller = try container.decodeIfPresent(String.self, forKey: .seller)
            for key in CodingKeys.allCases {
                guard let text = try container.decodeIfPresent(String.self, forKey: key) else { continue }
                for name in Template(text).placeholders where !NotificationText.placeholders.contains(name) {
                    throw container.invalid(key, "unknown placeholder {\(name)}; known: \(NotificationText.placeholders.map { "{\($0)}" }.joined(separator: ", "))")
                }
            }
        }
    }

    package init() {}

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        for localeKey in container.allKeys {
            guard let locale = NotificationLocale(rawValue: localeKey.stringValue) else {
                throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [localeKey], debugDescription: "unknown locale; use \"en\" or \"id\""))
            }
            let kinds = try container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: localeKey)
            for kindKey in kinds.allKeys {
                guard let kind = NotificationKind(rawValue: kindKey.stringValue) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: kinds.codingPath + [kindKey], debugDescription: "unknown notification kind; use one of \(NotificationKind.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
                texts[locale, default: [:]][kind] = try kinds.decode(PartialText.self, forKey: kindKey)
            }
        }
    }

    /// The built-in text with any override applied.
    package func text(_ kind: NotificationKind, locale: NotificationLocale) -> NotificationText {
        var text = BuiltInTemplates.text(kind, locale: locale)
        if let override = texts[locale]?[kind] {
            if let title = override.title { text.title = title }
            if let buyer = override.buyer { text.buyer = buyer }
            if let seller = override.seller { text.seller = seller }
        }
        return text
    }
}

/// The texts lacak ships in English and Indonesian.
enum BuiltInTemplates {
    static func text(_ kind: NotificationKind, locale: NotificationLocale) -> NotificationText {
        switch locale {
        case .english: return english(kind)
        case .indonesian: return indonesian(kind)
        }
    }

    private static func english(_ kind: NotificationKind) -> NotificationText {
        switch kind {
        case .orderCreated:
            return NotificationText(title: "Store Update: Order Created",
                                    buyer: "Your order {order_id} has been created.",
                                    seller: "New order {order_id} has been received.")
        case .orderShipped:
            return NotificationText(title: "Store Update: Order Shipped",
                                    buyer: "Your order {order_id} is on its way with {courier} (tracking number {tracking_number}).",
                                    seller: "Order {order_id} has been picked up by {courier} (tracking number {tracking_number}).")
        case .outForDelivery:
            return NotificationText(title: "Store Update: Out for Delivery",
                                    buyer: "Your order {order_id} is out for delivery with {courier} and should arrive today.",
                                    seller: "Order {order_id} is out for delivery to the buyer.")
        case .deliveryFailed:
            return NotificationText(title: "Store Update: Delivery Attempt Failed",
                                    buyer: "{courier} could not deliver your order {order_id}: {event}.",
                                    seller: "A delivery attempt for order {order_id} failed: {event}.")
        case .readyForPickup:
            return NotificationText(title: "Store Update: Ready for Pickup",
                                    buyer: "Your order {order_id} is ready for pickup: {event}.",
                                    seller: "Order {order_id} is waiting for the buyer to pick it up: {event}.")
        case .shipmentProblem:
            return NotificationText(title: "Store Update: Shipment Problem",
                                    buyer: "There is a problem with the delivery of your order {order_id}: {event}.",
                                    seller: "Order {order_id} has a shipping problem: {event}.")
        case .orderDelivered:
            return NotificationText(title: "Store Update: Order Delivered",
                                    buyer: "Your order {order_id} was delivered on {time}.",
                                    seller: "Order {order_id} was delivered to the buyer on {time}.")
        case .packageDelivered:
            return NotificationText(title: "Store Update: Package Delivered",
                                    buyer: "One package of your order {order_id} ({courier} {tracking_number}) was delivered on {time}; the rest of the order is still on its way.",
                                    seller: "Package {tracking_number} of order {order_id} was delivered on {time}; other packages of the order are still on their way.")
        case .deliveryCorrected:
            return NotificationText(title: "Store Update: Delivery Status Corrected",
                                    buyer: "Sorry: your order {order_id} has not been delivered yet, as we said earlier. {courier}'s latest update: {event}. We will tell you when it arrives.",
                                    seller: "Correction: order {order_id} is not delivered after all; {courier}'s newer update says: {event}. The buyer has been told.")
        case .orderCancelled:
            return NotificationText(title: "Store Update: Order Cancelled",
                                    buyer: "Your order {order_id} has been cancelled.",
                                    seller: "Order {order_id} has been cancelled.")
        case .returnInProgress:
            return NotificationText(title: "Store Update: Return in Progress",
                                    buyer: "The return of your order {order_id} is in progress.",
                                    seller: "Order {order_id} is being returned: {event}.")
        case .orderReturned:
            return NotificationText(title: "Store Update: Order Returned",
                                    buyer: "Your returned order {order_id} has arrived back at the seller.",
                                    seller: "Order {order_id} has been returned to you.")
        case .trackingStalled:
            return NotificationText(title: "Store Update: Tracking Stalled",
                                    buyer: "",
                                    seller: "Order {order_id} ({courier} {tracking_number}) has shown no tracking update since {time}; lacak has stopped polling it. Please check with the courier.")
        case .lateDispatch:
            return NotificationText(title: "Store Update: Late Dispatch",
                                    buyer: "",
                                    seller: "Order {order_id} has been ready to ship since {time} and has not been handed to the courier yet.")
        case .courierNeeded:
            return NotificationText(title: "Store Update: Courier Needed",
                                    buyer: "",
                                    seller: "Tracking number {tracking_number} of order {order_id} fits several couriers ({candidates}); send the order again with its courier to start tracking.")
        }
    }

    private static func indonesian(_ kind: NotificationKind) -> NotificationText {
        switch kind {
        case .orderCreated:
            return NotificationText(title: "Store Update: Pesanan Dibuat",
                                    buyer: "Pesanan {order_id} kamu telah dibuat.",
                                    seller: "Pesanan baru {order_id} telah masuk.")
        case .orderShipped:
            return NotificationText(title: "Store Update: Pesanan Dikirim",
                                    buyer: "Pesanan {order_id} kamu sedang dikirim dengan {courier} (nomor resi {tracking_number}).",
                                    seller: "Pesanan {order_id} telah diserahkan ke {courier} (nomor resi {tracking_number}).")
        case .outForDelivery:
            return NotificationText(title: "Store Update: Sedang Diantar",
                                    buyer: "Pesanan {order_id} kamu sedang diantar oleh kurir {courier} dan akan tiba hari ini.",
                                    seller: "Pesanan {order_id} sedang diantar ke pembeli.")
        case .deliveryFailed:
            return NotificationText(title: "Store Update: Pengantaran Gagal",
                                    buyer: "Kurir {courier} gagal mengantar pesanan {order_id} kamu: {event}.",
                                    seller: "Pengantaran pesanan {order_id} gagal: {event}.")
        case .readyForPickup:
            return NotificationText(title: "Store Update: Siap Diambil",
                                    buyer: "Pesanan {order_id} kamu siap diambil: {event}.",
                                    seller: "Pesanan {order_id} menunggu diambil oleh pembeli: {event}.")
        case .shipmentProblem:
            return NotificationText(title: "Store Update: Kendala Pengiriman",
                                    buyer: "Ada kendala pada pengiriman pesanan {order_id} kamu: {event}.",
                                    seller: "Pesanan {order_id} mengalami kendala pengiriman: {event}.")
        case .orderDelivered:
            return NotificationText(title: "Store Update: Pesanan Diterima",
                                    buyer: "Pesanan {order_id} kamu telah diterima pada {time}.",
                                    seller: "Pesanan {order_id} telah diterima pembeli pada {time}.")
        case .packageDelivered:
            return NotificationText(title: "Store Update: Paket Diterima",
                                    buyer: "Satu paket dari pesanan {order_id} kamu ({courier} {tracking_number}) telah diterima pada {time}; paket lainnya masih dalam perjalanan.",
                                    seller: "Paket {tracking_number} dari pesanan {order_id} telah diterima pada {time}; paket lain dari pesanan ini masih dalam perjalanan.")
        case .deliveryCorrected:
            return NotificationText(title: "Store Update: Koreksi Status Pengiriman",
                                    buyer: "Mohon maaf: pesanan {order_id} kamu ternyata belum diterima seperti yang kami kabarkan sebelumnya. Pembaruan terakhir dari {courier}: {event}. Kami akan mengabari saat pesanan tiba.",
                                    seller: "Koreksi: pesanan {order_id} ternyata belum diterima; pembaruan terbaru dari {courier}: {event}. Pembeli sudah diberi tahu.")
        case .orderCancelled:
            return NotificationText(title: "Store Update: Pesanan Dibatalkan",
                                    buyer: "Pesanan {order_id} kamu telah dibatalkan.",
                                    seller: "Pesanan {order_id} telah dibatalkan.")
        case .returnInProgress:
            return NotificationText(title: "Store Update: Pengembalian Diproses",
                                    buyer: "Pengembalian pesanan {order_id} kamu sedang diproses.",
                                    seller: "Pesanan {order_id} sedang dikembalikan: {event}.")
        case .orderReturned:
            return NotificationText(title: "Store Update: Pesanan Dikembalikan",
                                    buyer: "Pesanan {order_id} yang kamu kembalikan telah sampai di penjual.",
                                    seller: "Pesanan {order_id} telah dikembalikan kepadamu.")
        case .trackingStalled:
            return NotificationText(title: "Store Update: Pelacakan Terhenti",
                                    buyer: "",
                                    seller: "Pesanan {order_id} ({courier} {tracking_number}) tidak ada pembaruan pelacakan sejak {time}; lacak berhenti memantaunya. Silakan cek ke kurir.")
        case .lateDispatch:
            return NotificationText(title: "Store Update: Terlambat Dikirim",
                                    buyer: "",
                                    seller: "Pesanan {order_id} siap dikirim sejak {time} tetapi belum diserahkan ke kurir.")
        case .courierNeeded:
            return NotificationText(title: "Store Update: Kurir Perlu Dipilih",
                                    buyer: "",
                                    seller: "Nomor resi {tracking_number} pesanan {order_id} cocok dengan beberapa kurir ({candidates}); kirim ulang pesanan dengan kurirnya agar bisa dilacak.")
        }
    }
}
