import Foundation
import LacakSupport

/// The order's status as the shop reports it through intake, before any courier data.
package enum ShopStatus: String, Sendable, CaseIterable, Codable {
    case unpaid
    case onHold = "on_hold"
    case awaitingShipment = "awaiting_shipment"
    /// Some packages are on their way, others not yet shipped (TikTok's `PARTIALLY_SHIPPING`):
    /// the packages lacak knows being delivered does not make the order Received.
    case partiallyShipped = "partially_shipped"
    case awaitingCollection = "awaiting_collection"
    case inTransit = "in_transit"
    case delivered
    case completed
    case cancelled
    case returnRefund = "return_refund"

    /// Reads lacak's names, the buyer and seller view names, and TikTok Shop's order statuses
    /// (`AWAITING_SHIPMENT`, or their numeric codes such as 111), ignoring case.
    package init?(intake text: String) {
        let key = text.trimmingWhitespace().lowercased().replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        if let status = ShopStatus(rawValue: key) {
            self = status
            return
        }
        switch key {
        case "100": self = .unpaid
        case "105": self = .onHold
        case "new_order", "waiting_for_delivery", "to_ship", "111": self = .awaitingShipment
        case "114", "partially_shipping": self = .partiallyShipped
        case "ready_to_ship", "112": self = .awaitingCollection
        case "in_shipping", "shipped", "121": self = .inTransit
        case "received", "122": self = .delivered
        case "130": self = .completed
        case "canceled", "140": self = .cancelled
        case "return", "returns_refund", "return_refunded", "refund": self = .returnRefund
        default: return nil
        }
    }
}

/// What the buyer sees in the shop app.
package enum BuyerStatus: String, Sendable, CaseIterable, Codable {
    case unpaid
    case waitingForDelivery = "waiting_for_delivery"
    case inTransit = "in_transit"
    case received
    case cancelled
    case returnsRefund = "returns_refund"

    /// The label shown to people ("Waiting for Delivery").
    package var label: String {
        switch self {
        case .unpaid: return "Unpaid"
        case .waitingForDelivery: return "Waiting for Delivery"
        case .inTransit: return "In Transit"
        case .received: return "Received"
        case .cancelled: return "Cancelled"
        case .returnsRefund: return "Returns/Refund"
        }
    }
}

/// What the seller sees in the seller centre.
package enum SellerStatus: String, Sendable, CaseIterable, Codable {
    case newOrder = "new_order"
    case readyToShip = "ready_to_ship"
    case inShipping = "in_shipping"
    case completed
    case cancelled
    case `return`

    /// The label shown to people ("Ready to Ship").
    package var label: String {
        switch self {
        case .newOrder: return "New Order"
        case .readyToShip: return "Ready to Ship"
        case .inShipping: return "In Shipping"
        case .completed: return "Completed"
        case .cancelled: return "Cancelled"
        case .return: return "Return"
        }
    }
}

/// Both order views of one order at one moment.
package struct OrderView: Sendable, Equatable {
    package var buyer: BuyerStatus
    package var seller: SellerStatus

    package init(buyer: BuyerStatus, seller: SellerStatus) {
        self.buyer = buyer
        self.seller = seller
    }

    /// Derives the order views from the shop's status and the carrier status of every package.
    ///
    /// The rules are checked top to bottom; the README's status mapping tables are this function.
    /// An order of one package follows its package; of several, it is Received once every
    /// package not cancelled is delivered, In Transit while any moves (or some are delivered and
    /// others not yet), and Returns/Refund as soon as any is on its way back.
    package static func derive(shop: ShopStatus, shipments: [Shipment]) -> OrderView {
        derive(shop: shop, carriers: shipments.map(\.carrier.status))
    }

    /// `derive(shop:shipments:)` over the packages' carrier statuses.
    package static func derive(shop: ShopStatus, carriers: [CarrierStatus]) -> OrderView {
        let live = carriers.filter { $0 != .cancelled }
        if shop == .cancelled || (!carriers.isEmpty && live.isEmpty) {
            return OrderView(buyer: .cancelled, seller: .cancelled)
        }
        if shop == .returnRefund || live.contains(where: { $0 == .returning || $0 == .returned }) {
            return OrderView(buyer: .returnsRefund, seller: .return)
        }
        // The shop says more packages are to come than the ones delivered.
        if shop == .partiallyShipped {
            return OrderView(buyer: .inTransit, seller: .inShipping)
        }
        if (!live.isEmpty && live.allSatisfy { $0 == .delivered }) || shop == .delivered || shop == .completed {
            return OrderView(buyer: .received, seller: .completed)
        }
        let moving: Set<CarrierStatus> = [.inTransit, .outForDelivery, .failedAttempt, .availableForPickup, .exception, .expired, .delivered]
        if live.contains(where: moving.contains) || shop == .inTransit {
            return OrderView(buyer: .inTransit, seller: .inShipping)
        }
        if shop == .unpaid {
            return OrderView(buyer: .unpaid, seller: .newOrder)
        }
        if !live.isEmpty || shop == .awaitingCollection {
            return OrderView(buyer: .waitingForDelivery, seller: .readyToShip)
        }
        return OrderView(buyer: .waitingForDelivery, seller: .newOrder)
    }

    /// The views of an order with one shipment in `carrier` (or none, when `hasTracking` is false).
    package static func derive(shop: ShopStatus, carrier: CarrierStatus, hasTracking: Bool) -> OrderView {
        derive(shop: shop, carriers: hasTracking ? [carrier] : [])
    }
}
