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
    /// The aggregator's shipment-level status says "still moving" while the events say
    /// delivered: delivered is shown but not final, and polling goes on.
    public var disputed: Bool
    /// How many of the shipment's oldest events were not kept (`max_events`).
    public var eventsDropped: Int

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
        self.disputed = false
        self.eventsDropped = 0
    }

    /// The columns of `orders` in the order `init(row:)` and `values` use them: rows are read
    /// and written by position, since GRDB's by-name lookup folds case on every access.
    static let columns = [
        "order_id", "shop_status", "courier_code", "courier_id", "courier_candidates", "tracking_number", "service",
        "carrier_status", "carrier_reason", "status_time", "buyer_status", "seller_status", "meta", "created_at",
        "updated_at", "last_event_at", "last_checked", "next_check", "confirmations", "failures", "last_error",
        "ready_since", "dispatch_alert_at", "version", "written_version", "disputed", "events_dropped",
    ]

    /// `SELECT` of every column in `columns` order.
    static let selectColumns = "SELECT " + columns.joined(separator: ", ") + " FROM orders"

    /// Decodes a row selected with `selectColumns`.
    init(row: Row) {
        orderID = row[0]
        shopStatus = ShopStatus(rawValue: row[1]) ?? .awaitingShipment
        courierCode = row[2]
        courierID = row[3]
        courierCandidates = (row[4] as String?).map { $0.split(separator: ",").map(String.init) }
        trackingNumber = row[5]
        service = row[6]
        carrier = CarrierState(
            status: CarrierStatus(rawValue: row[7]) ?? .pending,
            reason: (row[8] as String?).map(StatusReason.init(rawValue:)),
            statusTime: (row[9] as Int64?).map(Timestamp.init(milliseconds:))
        )
        view = OrderView(buyer: BuyerStatus(rawValue: row[10]) ?? .waitingForDelivery,
                         seller: SellerStatus(rawValue: row[11]) ?? .newOrder)
        meta = row[12]
        createdAt = Timestamp(milliseconds: row[13])
        updatedAt = Timestamp(milliseconds: row[14])
        lastEventAt = (row[15] as Int64?).map(Timestamp.init(milliseconds:))
        lastChecked = (row[16] as Int64?).map(Timestamp.init(milliseconds:))
        nextCheck = (row[17] as Int64?).map(Timestamp.init(milliseconds:))
        confirmations = row[18]
        failures = row[19]
        lastError = row[20]
        readySince = (row[21] as Int64?).map(Timestamp.init(milliseconds:))
        dispatchAlertAt = (row[22] as Int64?).map(Timestamp.init(milliseconds:))
        version = row[23]
        writtenVersion = row[24]
        disputed = row[25]
        eventsDropped = row[26]
    }

    /// Every column's value in `columns` order.
    var values: [(any DatabaseValueConvertible)?] {
        [
            orderID, shopStatus.rawValue, courierCode, courierID, courierCandidates?.joined(separator: ","),
            trackingNumber, service, carrier.status.rawValue, carrier.reason?.rawValue, carrier.statusTime?.milliseconds,
            view.buyer.rawValue, view.seller.rawValue, meta, createdAt.milliseconds, updatedAt.milliseconds,
            lastEventAt?.milliseconds, lastChecked?.milliseconds, nextCheck?.milliseconds, confirmations, failures,
            lastError, readySince?.milliseconds, dispatchAlertAt?.milliseconds, version, writtenVersion, disputed, eventsDropped,
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

/// An event text no status rule classified, as counted in state.
public struct UnmatchedText: Sendable, Equatable {
    /// lacak's courier code (`jnt`), or the provider id when the courier is not known.
    public var courier: String
    /// The folded text the count is kept under.
    public var normalized: String
    /// One text as the courier wrote it, and a tracking number it was seen on.
    public var example: String
    public var trackingNumber: String
    /// The provider that answered with it last.
    public var provider: String?
    public var count: Int
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
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
    /// Decodes `SELECT time, status, reason, code, description, location FROM events`.
    func event() -> TrackingEvent {
        TrackingEvent(
            time: Timestamp(milliseconds: self[0]),
            description: self[4],
            code: self[3],
            location: self[5],
            status: (self[1] as String?).flatMap(CarrierStatus.init(rawValue:)),
            reason: (self[2] as String?).map(StatusReason.init(rawValue:))
        )
    }
}
