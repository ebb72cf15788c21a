package import LacakSupport

/// One order as stored in state: what the shop says about it, and its packages.
package struct Order: Sendable, Equatable {
    package var orderID: OrderID
    package var shopStatus: ShopStatus
    /// The courier the shop named for the order as a whole: packages added without naming one
    /// are carried by it (a shop often names the courier before any tracking number exists).
    package var courierCode: CourierCode?
    /// The order's packages, in the order they were added.
    package var shipments: [Shipment]
    package var view: OrderView
    /// Extra fields from intake, kept as JSON text and copied into the snapshot.
    package var meta: String?
    package var createdAt: Timestamp
    package var updatedAt: Timestamp
    /// When the seller view became Ready to Ship (cleared when it leaves it).
    package var readySince: Timestamp?
    /// When to tell the seller the order is late to ship; nil when no alert is pending.
    package var dispatchAlertAt: Timestamp?
    /// Bumped on every change; the snapshot file is current when `writtenVersion` matches.
    package var version: Int64
    package var writtenVersion: Int64

    package init(orderID: OrderID, shopStatus: ShopStatus, courierCode: CourierCode? = nil, shipments: [Shipment] = [], now: Timestamp) {
        self.orderID = orderID
        self.shopStatus = shopStatus
        self.courierCode = courierCode
        self.shipments = shipments
        self.view = OrderView.derive(shop: shopStatus, shipments: shipments)
        self.meta = nil
        self.createdAt = now
        self.updatedAt = now
        self.readySince = nil
        self.dispatchAlertAt = nil
        self.version = 1
        self.writtenVersion = 0
    }

    /// The package of a one-package order; nil when it has none or several.
    package var soleShipment: Shipment? {
        shipments.count == 1 ? shipments[0] : nil
    }

    /// The package with this tracking number.
    package func shipment(_ number: TrackingNumber) -> Shipment? {
        shipments.first { $0.trackingNumber == number }
    }

    /// The one carrier status of the order: its package's, or of several, that of the
    /// package furthest behind that is not cancelled (`pending` before any package).
    package var carrierStatus: CarrierStatus {
        if let sole = soleShipment { return sole.carrier.status }
        let live = shipments.filter { $0.carrier.status != .cancelled }
        if live.isEmpty { return shipments.isEmpty ? .pending : .cancelled }
        return live.min { $0.progressRank < $1.progressRank }!.carrier.status
    }

    /// The order as it was without its packages: what the `orders` row itself holds.
    package var withoutShipments: Order {
        var copy = self
        copy.shipments = []
        return copy
    }
}
