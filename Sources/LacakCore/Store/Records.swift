import GRDB

/// One order and its shipment as stored in state.
public struct OrderRecord: Sendable, Equatable {
    public var orderID: String
    public var shopStatus: ShopStatus
    /// The courier as the intake named it (a code such as `jne`, or a courier id).
    public var courierCode: String?
    /// The configured courier that polls it, once resolved.
    public var courierID: String?
    /// Couriers the tracking number fits when detection could not choose; the order waits for
    /// a record that names one.
    public var courierCandidates: [String]?
    public var trackingNumber: String?
    public var service: String?
    public var carrier: CarrierState
    public var view: OrderView
    /// Extra fields from intake, kept as JSON text and copied into the snapshot.
    public var meta: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// When an event not seen before last arrived.
    public var lastEventAt: Timestamp?
    public var lastChecked: Timestamp?
    /// When the shipment is due for its next poll; nil when polling has stopped.
    public var nextCheck: Timestamp?
    /// Confirmation polls done since the shipment reached a final status.
    public var confirmations: Int
    /// Polls that failed in a row.
    public var failures: Int
    public var lastError: String?
    /// When the seller view became Ready to Ship (cleared when it leaves it).
    public var readySince: Timestamp?
    /// When to tell the seller the order is late to ship; nil when no alert is pending.
    public var dispatchAlertAt: Timestamp?
    /// Bumped on every change; the snapshot file is current when `writtenVersion` matches.
    public var version: Int64
    public var writtenVersion: Int64

    public init(orderID: String, shopStatus: ShopStatus, courierCode: String? = nil, courierID: String? = nil,
                trackingNumber: String? = nil, now: Timestamp) {
        self.orderID = orderID
        self.shopStatus = shopStatus
        self.courierCode = courierCode
        self.courierID = courierID
        self.courierCandidates = nil
        self.trackingNumber = trackingNumber
        self.service = nil
        self.carrier = CarrierState()
        self.view = OrderView.derive(shop: shopStatus, carrier: .pending, hasTracking: trackingNumber != nil)
        self.meta = nil
        self.createdAt = now
        self.updatedAt = now
        self.lastEventAt = nil
        self.lastChecked = nil
        self.nextCheck = nil
        self.confirmations = 0
        self.failures = 0
        self.lastError = nil
        self.readySince = nil
        self.dispatchAlertAt = nil
        self.version = 1
        self.writtenVersion = 0
    }

    init(row: Row) {
        orderID = row["order_id"]
        shopStatus = ShopStatus(rawValue: row["shop_status"]) ?? .awaitingShipment
        courierCode = row["courier_code"]
        courierID = row["courier_id"]
        courierCandidates = (row["courier_candidates"] as String?).map { $0.split(separator: ",").map(String.init) }
        trackingNumber = row["tracking_number"]
        service = row["service"]
        carrier = CarrierState(
            status: CarrierStatus(rawValue: row["carrier_status"]) ?? .pending,
            reason: (row["carrier_reason"] as String?).map(StatusReason.init(rawValue:)),
            statusTime: (row["status_time"] as Int64?).map(Timestamp.init(milliseconds:))
        )
        view = OrderView(buyer: BuyerStatus(rawValue: row["buyer_status"]) ?? .waitingForDelivery,
                         seller: SellerStatus(rawValue: row["seller_status"]) ?? .newOrder)
        meta = row["meta"]
        createdAt = Timestamp(milliseconds: row["created_at"])
        updatedAt = Timestamp(milliseconds: row["updated_at"])
        lastEventAt = (row["last_event_at"] as Int64?).map(Timestamp.init(milliseconds:))
        lastChecked = (row["last_checked"] as Int64?).map(Timestamp.init(milliseconds:))
        nextCheck = (row["next_check"] as Int64?).map(Timestamp.init(milliseconds:))
        confirmations = row["confirmations"]
        failures = row["failures"]
        lastError = row["last_error"]
        readySince = (row["ready_since"] as Int64?).map(Timestamp.init(milliseconds:))
        dispatchAlertAt = (row["dispatch_alert_at"] as Int64?).map(Timestamp.init(milliseconds:))
        version = row["version"]
        writtenVersion = row["written_version"]
    }

    var arguments: StatementArguments {
        [
            "order_id": orderID, "shop_status": shopStatus.rawValue, "courier_code": courierCode, "courier_id": courierID,
            "courier_candidates": courierCandidates?.joined(separator: ","),
            "tracking_number": trackingNumber, "service": service, "carrier_status": carrier.status.rawValue,
            "carrier_reason": carrier.reason?.rawValue, "status_time": carrier.statusTime?.milliseconds,
            "buyer_status": view.buyer.rawValue, "seller_status": view.seller.rawValue, "meta": meta,
            "created_at": createdAt.milliseconds, "updated_at": updatedAt.milliseconds,
            "last_event_at": lastEventAt?.milliseconds, "last_checked": lastChecked?.milliseconds,
            "next_check": nextCheck?.milliseconds, "confirmations": confirmations, "failures": failures,
            "last_error": lastError, "ready_since": readySince?.milliseconds, "dispatch_alert_at": dispatchAlertAt?.milliseconds,
            "version": version, "written_version": writtenVersion,
        ]
    }

    /// Whether polling can still change anything for this order.
    public var isTrackable: Bool {
        trackingNumber != nil && shopStatus != .cancelled && courierCandidates == nil
    }
}

/// One status change of an order, the unit notifications are made from.
public struct StatusChange: Sendable, Equatable {
    public var orderID: String
    public var at: Timestamp
    /// Nil for the order's creation.
    public var old: (carrier: CarrierStatus, view: OrderView)?
    public var new: (carrier: CarrierStatus, view: OrderView)
    /// The notification this change produces, if any.
    public var kind: NotificationKind?
    public var event: TrackingEvent?
    /// Notification files owed for this change (one per audience that gets this kind).
    public var notifications: Int

    public init(orderID: String, at: Timestamp, old: (carrier: CarrierStatus, view: OrderView)?, new: (carrier: CarrierStatus, view: OrderView), kind: NotificationKind?, event: TrackingEvent?, notifications: Int = 0) {
        self.orderID = orderID
        self.at = at
        self.old = old
        self.new = new
        self.kind = kind
        self.event = event
        self.notifications = notifications
    }

    public static func == (lhs: StatusChange, rhs: StatusChange) -> Bool {
        lhs.orderID == rhs.orderID && lhs.at == rhs.at && lhs.old?.carrier == rhs.old?.carrier && lhs.old?.view == rhs.old?.view
            && lhs.new.carrier == rhs.new.carrier && lhs.new.view == rhs.new.view && lhs.kind == rhs.kind && lhs.event == rhs.event
    }
}

/// A notification waiting in (or delivered from) the outbox.
public struct OutboxEntry: Sendable, Equatable {
    public var id: Int64
    public var fileName: String
    public var payload: [UInt8]
    /// The payload is in the spool's `tmp/` under `fileName`, about to be renamed into `new/`.
    public var staged: Bool
}

/// A shipment due for polling.
public struct DueShipment: Sendable, Equatable {
    public var orderID: String
    public var trackingNumber: String
    public var courierCode: String?
    public var courierID: String?
    /// Failed polls in a row, for choosing a fallback provider.
    public var failures: Int = 0
}

extension Row {
    func event() -> TrackingEvent {
        TrackingEvent(
            time: Timestamp(milliseconds: self["time"]),
            description: self["description"],
            code: self["code"],
            location: self["location"],
            status: (self["status"] as String?).flatMap(CarrierStatus.init(rawValue:)),
            reason: (self["reason"] as String?).map(StatusReason.init(rawValue:))
        )
    }
}
