package import GRDB
import LacakSupport
package import LacakModel

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

extension Order {
    /// The columns of `orders` in the order `init(row:)` and `values` use them: rows are read
    /// and written by position, since GRDB's by-name lookup folds case on every access.
    static let columns = [
        "order_id", "shop_status", "courier_code", "buyer_status", "seller_status", "meta", "created_at",
        "updated_at", "ready_since", "dispatch_alert_at", "version", "written_version",
    ]

    /// `SELECT` of every column in `columns` order.
    static let selectColumns = "SELECT " + columns.joined(separator: ", ") + " FROM orders"

    /// Decodes a row selected with `selectColumns`; its packages are read separately.
    init(row: Row) {
        self.init(orderID: row[0], shopStatus: ShopStatus(rawValue: row[1]) ?? .awaitingShipment, courierCode: row[2],
                  now: Timestamp(milliseconds: row[6]))
        view = OrderView(buyer: BuyerStatus(rawValue: row[3]) ?? .waitingForDelivery,
                         seller: SellerStatus(rawValue: row[4]) ?? .newOrder)
        meta = row[5]
        updatedAt = Timestamp(milliseconds: row[7])
        readySince = (row[8] as Int64?).map(Timestamp.init(milliseconds:))
        dispatchAlertAt = (row[9] as Int64?).map(Timestamp.init(milliseconds:))
        version = row[10]
        writtenVersion = row[11]
    }

    /// Every column's value in `columns` order.
    var values: [(any DatabaseValueConvertible)?] {
        [
            orderID, shopStatus.rawValue, courierCode, view.buyer.rawValue, view.seller.rawValue, meta, createdAt.milliseconds,
            updatedAt.milliseconds, readySince?.milliseconds, dispatchAlertAt?.milliseconds, version, writtenVersion,
        ]
    }
}

extension Shipment {
    /// The columns of `shipments`, by position as for `Order.columns`; the order id comes first.
    static let columns = [
        "order_id", "tracking_number", "package_id", "courier_code", "courier_id", "courier_candidates", "service",
        "carrier_status", "carrier_reason", "status_time", "added_at", "last_event_at", "last_checked", "next_check",
        "confirmations", "failures", "last_error", "disputed", "events_dropped",
    ]

    /// `SELECT` of every column in `columns` order.
    static let selectColumns = "SELECT " + columns.joined(separator: ", ") + " FROM shipments"

    /// `columns` qualified by a table alias, for joins.
    static func qualifiedColumns(_ alias: String) -> String {
        columns.map { alias + "." + $0 }.joined(separator: ", ")
    }

    /// Decodes the columns of `columns` starting at position `base` of a row (0 for a row
    /// selected with `selectColumns`; after the order's columns in a join).
    init(row: Row, at base: Int = 0) {
        self.init(trackingNumber: row[base + 1], packageID: row[base + 2], courierCode: row[base + 3], courierID: row[base + 4],
                  now: Timestamp(milliseconds: row[base + 10]))
        courierCandidates = (row[base + 5] as String?).map { $0.split(separator: ",").map { CourierCode(trusted: String($0)) } }
        service = row[base + 6]
        carrier = CarrierState(
            status: CarrierStatus(rawValue: row[base + 7]) ?? .pending,
            reason: (row[base + 8] as String?).map(StatusReason.init(rawValue:)),
            statusTime: (row[base + 9] as Int64?).map(Timestamp.init(milliseconds:))
        )
        lastEventAt = (row[base + 11] as Int64?).map(Timestamp.init(milliseconds:))
        lastChecked = (row[base + 12] as Int64?).map(Timestamp.init(milliseconds:))
        nextCheck = (row[base + 13] as Int64?).map(Timestamp.init(milliseconds:))
        confirmations = row[base + 14]
        failures = row[base + 15]
        lastError = row[base + 16]
        disputed = row[base + 17]
        eventsDropped = row[base + 18]
    }

    /// Every column's value in `columns` order, for the package of `orderID`.
    func values(orderID: OrderID) -> [(any DatabaseValueConvertible)?] {
        [
            orderID, trackingNumber, packageID, courierCode, courierID, courierCandidates?.map(\.rawValue).joined(separator: ","), service,
            carrier.status.rawValue, carrier.reason?.rawValue, carrier.statusTime?.milliseconds, addedAt.milliseconds,
            lastEventAt?.milliseconds, lastChecked?.milliseconds, nextCheck?.milliseconds, confirmations, failures,
            lastError, disputed, eventsDropped,
        ]
    }
}

// Identifiers are stored as their text; read back from lacak's own state, they are trusted.
extension DatabaseValueConvertible where Self: CheckedIdentifier {
    package var databaseValue: DatabaseValue { rawValue.databaseValue }

    package static func fromDatabaseValue(_ value: DatabaseValue) -> Self? {
        String.fromDatabaseValue(value).map(Self.init(trusted:))
    }
}

extension OrderID: DatabaseValueConvertible {}
extension TrackingNumber: DatabaseValueConvertible {}
extension CourierID: DatabaseValueConvertible {}
extension CourierCode: DatabaseValueConvertible {}
