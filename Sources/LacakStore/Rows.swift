package import GRDB
import LacakSupport
package import LacakModel

/// A notification waiting in (or delivered from) the outbox.
package struct OutboxEntry: Sendable, Equatable {
    package var id: Int64
    package var fileName: String
    package var payload: [UInt8]
    /// The payload is in the spool's `tmp/` under `fileName`, about to be renamed into `new/`.
    package var staged: Bool
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

extension Order {
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
        self.init(orderID: row[0], shopStatus: ShopStatus(rawValue: row[1]) ?? .awaitingShipment, now: Timestamp(milliseconds: row[13]))
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
}

// Identifiers are stored as their text.
extension OrderID: DatabaseValueConvertible {
    package var databaseValue: DatabaseValue { rawValue.databaseValue }

    package static func fromDatabaseValue(_ value: DatabaseValue) -> OrderID? {
        String.fromDatabaseValue(value).map(OrderID.init(trusted:))
    }
}

extension TrackingNumber: DatabaseValueConvertible {
    package var databaseValue: DatabaseValue { rawValue.databaseValue }

    package static func fromDatabaseValue(_ value: DatabaseValue) -> TrackingNumber? {
        String.fromDatabaseValue(value).map(TrackingNumber.init(trusted:))
    }
}
