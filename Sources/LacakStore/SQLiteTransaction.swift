import GRDB
package import LacakSupport
package import LacakModel
import Foundation

/// `StateTransaction` on SQLite, valid inside one `SQLiteStateStore.write` or `read` call.
///
/// All SQL of lacak lives here; the pipeline decides what to do, this type knows how it is
/// stored. Hot statements are prepared once per connection and reused.
package struct SQLiteTransaction: StateTransaction {
    let db: Database

    // MARK: Orders

    package func order(_ orderID: OrderID) throws -> Order? {
        // One statement for the order and its packages: this runs for every courier answer.
        let statement = try db.cachedStatement(sql: Self.orderWithShipmentsSQL)
        var order: Order?
        let rows = try Row.fetchCursor(statement, arguments: [orderID])
        while let row = try rows.next() {
            if order == nil { order = Order(row: row) }
            if !row.hasNull(atIndex: Order.columns.count) {
                order?.shipments.append(Shipment(row: row, at: Order.columns.count))
            }
        }
        return order
    }

    private static let orderWithShipmentsSQL = "SELECT " + Order.columns.map { "o." + $0 }.joined(separator: ", ") + ", "
        + Shipment.qualifiedColumns("s") + " FROM orders o LEFT JOIN shipments s ON s.order_id = o.order_id"
        + " WHERE o.order_id = ? ORDER BY s.added_at, s.tracking_number"

    /// The orders with these ids that exist, by id.
    package func orders(_ orderIDs: [OrderID]) throws -> [OrderID: Order] {
        var found: [OrderID: Order] = [:]
        found.reserveCapacity(orderIDs.count)
        for chunk in orderIDs.chunked(into: 500) {
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchCursor(db, sql: Order.selectColumns + " WHERE order_id IN (\(placeholders))", arguments: StatementArguments(chunk))
            while let row = try rows.next() {
                let record = Order(row: row)
                found[record.orderID] = record
            }
        }
        try attachShipments(to: &found)
        return found
    }

    /// Reads the packages of `orders` in a few queries rather than one per order.
    private func attachShipments(to orders: inout [OrderID: Order]) throws {
        for chunk in Array(orders.keys).chunked(into: 500) {
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchCursor(db, sql: Shipment.selectColumns + " WHERE order_id IN (\(placeholders)) ORDER BY order_id, added_at, tracking_number",
                                           arguments: StatementArguments(chunk))
            while let row = try rows.next() {
                let orderID: OrderID = row[0]
                orders[orderID]?.shipments.append(Shipment(row: row))
            }
        }
    }

    /// Stores `order` as a whole, `previous` being what was read for it (nil: it is new). The
    /// order row and the packages that differ are written; packages no longer in the order are
    /// deleted with their events. The version is bumped so the snapshot is rewritten, unless
    /// `rewriteSnapshot` is false (only schedule bookkeeping changed).
    package func save(_ order: Order, previous: Order?, rewriteSnapshot: Bool) throws {
        guard let previous else {
            try db.cachedStatement(sql: Self.insertOrderSQL).execute(arguments: StatementArguments(order.values))
            for shipment in order.shipments { try upsert(shipment, of: order.orderID) }
            return
        }
        if rewriteSnapshot || order.withoutShipments != previous.withoutShipments {
            let statement = try db.cachedStatement(sql: rewriteSnapshot ? Self.updateOrderSQL : Self.updateOrderQuietlySQL)
            let values = order.values
            var arguments: [(any DatabaseValueConvertible)?] = Self.updatedColumns.map { values[$0] }
            arguments.append(order.orderID)
            try statement.execute(arguments: StatementArguments(arguments))
        }
        for shipment in order.shipments {
            guard let earlier = previous.shipment(shipment.trackingNumber) else {
                try upsert(shipment, of: order.orderID)
                continue
            }
            guard earlier != shipment else { continue }
            var arguments = Array(shipment.values(orderID: order.orderID).dropFirst(2))
            arguments += [order.orderID, shipment.trackingNumber]
            try db.cachedStatement(sql: Self.updateShipmentSQL).execute(arguments: StatementArguments(arguments))
        }
        for gone in previous.shipments where order.shipment(gone.trackingNumber) == nil {
            try db.execute(sql: "DELETE FROM shipments WHERE order_id = ? AND tracking_number = ?", arguments: [order.orderID, gone.trackingNumber])
            try deleteEvents(order.orderID, trackingNumber: gone.trackingNumber)
        }
    }

    private func upsert(_ shipment: Shipment, of orderID: OrderID) throws {
        try db.cachedStatement(sql: Self.upsertShipmentSQL).execute(arguments: StatementArguments(shipment.values(orderID: orderID)))
    }

    private static let updateShipmentSQL = "UPDATE shipments SET "
        + Shipment.columns.dropFirst(2).map { $0 + " = ?" }.joined(separator: ", ") + " WHERE order_id = ? AND tracking_number = ?"

    private static let insertOrderSQL = "INSERT INTO orders (" + Order.columns.joined(separator: ", ") + ") VALUES ("
        + Array(repeating: "?", count: Order.columns.count).joined(separator: ", ") + ")"

    /// Inserts a package or updates it in place (its row keeps its id, so the schedule index
    /// entry is updated rather than deleted and added).
    private static let upsertShipmentSQL: String = {
        let columns = Shipment.columns.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: Shipment.columns.count).joined(separator: ", ")
        let updates = Shipment.columns.dropFirst(2).map { (column: String) in column + " = excluded." + column }.joined(separator: ", ")
        return "INSERT INTO shipments (\(columns)) VALUES (\(placeholders)) ON CONFLICT (order_id, tracking_number) DO UPDATE SET \(updates)"
    }()

    /// Positions of the columns an update writes: all but the key, the creation time and the
    /// versions (bumped by SQL; `written_version` belongs to the spool writer).
    private static let updatedColumns = Order.columns.indices.filter {
        !["order_id", "created_at", "version", "written_version"].contains(Order.columns[$0])
    }

    private static let updateOrderSQL = "UPDATE orders SET "
        + updatedColumns.map { Order.columns[$0] + " = ?" }.joined(separator: ", ")
        + ", version = version + 1 WHERE order_id = ?"

    private static let updateOrderQuietlySQL = "UPDATE orders SET "
        + updatedColumns.map { Order.columns[$0] + " = ?" }.joined(separator: ", ")
        + " WHERE order_id = ?"

    /// Shipments due at `now` (or every one still being polled when `all`), earliest first,
    /// leaving out those of the couriers in `excluding` (nil stands for packages no courier polls).
    /// A `next_check` later than `farAhead` is due too: no interval of the config reaches that
    /// far, so it was set under a clock that has since been corrected backwards.
    package func dueShipments(now: Timestamp, all: Bool, limit: Int, excluding: Set<CourierID?>, farAhead: Timestamp?) throws -> [DueShipment] {
        var sql = "SELECT order_id, tracking_number, courier_code, courier_id, failures FROM shipments WHERE "
        var arguments: StatementArguments = []
        if all {
            sql += "next_check IS NOT NULL"
        } else if let farAhead {
            sql += "(next_check <= ? OR next_check > ?)"
            arguments += [now.milliseconds, farAhead.milliseconds]
        } else {
            sql += "next_check <= ?"
            arguments += [now.milliseconds]
        }
        sql += Self.exclusion(excluding, arguments: &arguments)
        sql += " ORDER BY next_check LIMIT ?"
        arguments += [limit]
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        var due: [DueShipment] = []
        while let row = try rows.next() {
            guard let number: TrackingNumber = row[1] else { continue }
            due.append(DueShipment(orderID: row[0], trackingNumber: number, courierCode: row[2], courierID: row[3], failures: row[4]))
        }
        return due
    }

    /// Orders whose snapshot file is older than their state.
    package func unwrittenOrders(limit: Int) throws -> [Order] {
        var found: [OrderID: Order] = [:]
        for row in try Row.fetchAll(db, sql: Order.selectColumns + " WHERE version > written_version LIMIT ?", arguments: [limit]) {
            let order = Order(row: row)
            found[order.orderID] = order
        }
        try attachShipments(to: &found)
        return found.values.sorted { $0.orderID < $1.orderID }
    }

    /// Records that the snapshot of `version` is on disk (a newer version stays unwritten).
    package func markWritten(_ orderID: OrderID, version: Int64) throws {
        let statement = try db.cachedStatement(sql: "UPDATE orders SET written_version = ? WHERE order_id = ? AND written_version < ?")
        try statement.execute(arguments: [version, orderID, version])
    }

    /// The earliest moment any work is due: a poll or a dispatch alert; nil when nothing is scheduled.
    ///
    /// Both come from partial indexes, so this costs the same with ten or a million idle orders.
    package func nextWakeup(excluding: Set<CourierID?>, farAhead: Timestamp?) throws -> Timestamp? {
        var arguments: StatementArguments = []
        let filter = Self.exclusion(excluding, arguments: &arguments)
        if let farAhead {
            var farArguments: StatementArguments = [farAhead.milliseconds]
            let farFilter = Self.exclusion(excluding, arguments: &farArguments)
            // Set under a clock that was ahead: due now (see dueShipments).
            if try Int64.fetchOne(db, sql: "SELECT next_check FROM shipments WHERE next_check > ?" + farFilter + " LIMIT 1", arguments: farArguments) != nil {
                return Timestamp(milliseconds: 0)
            }
        }
        let poll = try Int64.fetchOne(db, sql: "SELECT MIN(next_check) FROM shipments WHERE next_check IS NOT NULL" + filter, arguments: arguments)
        let alert = try Int64.fetchOne(db, sql: "SELECT MIN(dispatch_alert_at) FROM orders WHERE dispatch_alert_at IS NOT NULL")
        return [poll, alert].compactMap { $0 }.min().map(Timestamp.init(milliseconds:))
    }

    /// The SQL condition leaving out the couriers in `excluding`; nil stands for no courier.
    private static func exclusion(_ excluding: Set<CourierID?>, arguments: inout StatementArguments) -> String {
        var sql = ""
        let ids = excluding.compactMap { $0 }.sorted()
        if !ids.isEmpty {
            sql += " AND (courier_id IS NULL OR courier_id NOT IN (" + Array(repeating: "?", count: ids.count).joined(separator: ",") + "))"
            arguments += StatementArguments(ids)
        }
        if excluding.contains(nil) { sql += " AND courier_id IS NOT NULL" }
        return sql
    }

    /// The courier codes of packages still being tracked (nil: packages that named none).
    package func activeCourierCodes() throws -> [CourierCode?] {
        try CourierCode?.fetchAll(db, sql: "SELECT DISTINCT courier_code FROM shipments WHERE next_check IS NOT NULL")
    }

    /// Points the tracked shipments with this courier code at `courierID`; shipments that had
    /// no courier become due at `now`. Returns how many changed.
    package func assign(courierCode: CourierCode?, to courierID: CourierID?, now: Timestamp) throws -> Int {
        // One pass over the tracked packages (this runs for every code at start and reload);
        // the orders of those that moved get their snapshots rewritten, since a snapshot names
        // the courier polling each package.
        let moved = try OrderID.fetchAll(db, sql: """
            UPDATE shipments SET next_check = CASE WHEN courier_id IS NULL AND ? IS NOT NULL THEN ? ELSE next_check END,
                courier_id = ?
            WHERE courier_code IS ? AND next_check IS NOT NULL AND courier_id IS NOT ?
            RETURNING order_id
            """, arguments: [courierID, now.milliseconds, courierID, courierCode, courierID])
        let statement = try db.cachedStatement(sql: "UPDATE orders SET version = version + 1 WHERE order_id = ?")
        for orderID in Set(moved) { try statement.execute(arguments: [orderID]) }
        return moved.count
    }

    /// Orders whose late-dispatch alert is due.
    package func dueDispatchAlerts(now: Timestamp, limit: Int) throws -> [OrderID] {
        try OrderID.fetchAll(db, sql: "SELECT order_id FROM orders WHERE dispatch_alert_at <= ? ORDER BY dispatch_alert_at LIMIT ?", arguments: [now.milliseconds, limit])
    }

    /// Packages that will be polled again.
    package func activeShipmentCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shipments WHERE next_check IS NOT NULL") ?? 0
    }

    package func orderCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orders") ?? 0
    }

    package func sourceCursor(_ sourceID: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT cursor FROM source_cursors WHERE source_id = ?", arguments: [sourceID])
    }

    package func setSourceCursor(_ sourceID: String, _ cursor: String, now: Timestamp) throws {
        try db.execute(sql: """
            INSERT INTO source_cursors (source_id, cursor, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (source_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
            """, arguments: [sourceID, cursor, now.milliseconds])
    }

    // MARK: Events

    /// The events of each of the order's packages, in chronological order.
    package func events(_ orderID: OrderID) throws -> [TrackingNumber: [TrackingEvent]] {
        let statement = try db.cachedStatement(sql: "SELECT time, status, reason, code, description, location, tracking_number FROM events WHERE order_id = ?")
        var events: [TrackingNumber: [TrackingEvent]] = [:]
        for row in try Row.fetchAll(statement, arguments: [orderID]) {
            events[row[6], default: []].append(row.event())
        }
        for number in events.keys { events[number]!.sort(by: TrackingEvent.chronological) }
        return events
    }

    /// The events of one package, in chronological order.
    package func events(_ orderID: OrderID, trackingNumber: TrackingNumber) throws -> [TrackingEvent] {
        let statement = try db.cachedStatement(sql: "SELECT time, status, reason, code, description, location FROM events WHERE order_id = ? AND tracking_number = ?")
        var events = try Row.fetchAll(statement, arguments: [orderID, trackingNumber]).map { $0.event() }
        events.sort(by: TrackingEvent.chronological)
        return events
    }

    package func eventFingerprints(_ orderID: OrderID, trackingNumber: TrackingNumber) throws -> Set<String> {
        let statement = try db.cachedStatement(sql: "SELECT fingerprint FROM events WHERE order_id = ? AND tracking_number = ?")
        return Set(try String.fetchAll(statement, arguments: [orderID, trackingNumber]))
    }

    /// Keeps the newest `limit` events of a package and deletes the rest; how many went.
    package func pruneEvents(_ orderID: OrderID, trackingNumber: TrackingNumber, keeping limit: Int) throws -> Int {
        try db.execute(sql: """
            DELETE FROM events WHERE order_id = ? AND tracking_number = ? AND fingerprint NOT IN
                (SELECT fingerprint FROM events WHERE order_id = ? AND tracking_number = ? ORDER BY time DESC, fingerprint LIMIT ?)
            """, arguments: [orderID, trackingNumber, orderID, trackingNumber, limit])
        return db.changesCount
    }

    package func insertEvents(_ events: [TrackingEvent], orderID: OrderID, trackingNumber: TrackingNumber, seenAt: Timestamp) throws {
        guard !events.isEmpty else { return }
        let statement = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO events (order_id, tracking_number, fingerprint, time, status, reason, code, description, location, seen_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for event in events {
            try statement.execute(arguments: [orderID, trackingNumber, event.fingerprint, event.time.milliseconds, event.status?.rawValue,
                                              event.reason?.rawValue, event.code, event.description, event.location, seenAt.milliseconds])
        }
    }

    private func deleteEvents(_ orderID: OrderID, trackingNumber: TrackingNumber) throws {
        try db.execute(sql: "DELETE FROM events WHERE order_id = ? AND tracking_number = ?", arguments: [orderID, trackingNumber])
    }

    /// Most unmatched texts kept: past this, new wordings are not added (the known ones are
    /// still counted), so a courier writing a new text per parcel cannot grow state forever.
    package static let unmatchedLimit = 10_000
    /// Most wordings kept per courier, so one courier whose texts carry names cannot fill the
    /// table and hide every other courier's new wordings.
    package static let unmatchedPerCourier = 2_000

    /// Counts one unmatched event text; true when it is a wording not seen before.
    package func countUnmatched(courier: String, text: String, trackingNumber: String, provider: String?, at time: Timestamp) throws -> Bool {
        let normalized = UnmatchedTextFolding.fold(text)
        guard !normalized.isEmpty else { return false }
        let update = try db.cachedStatement(sql: "UPDATE unmatched_texts SET count = count + 1, last_seen = ?, provider = COALESCE(?, provider) WHERE courier = ? AND normalized = ?")
        try update.execute(arguments: [time.milliseconds, provider, courier, normalized])
        if db.changesCount > 0 { return false }
        let rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM unmatched_texts") ?? 0
        guard rows < Self.unmatchedLimit else { return false }
        let ofCourier = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM unmatched_texts WHERE courier = ?", arguments: [courier]) ?? 0
        guard ofCourier < Self.unmatchedPerCourier else { return false }
        let insert = try db.cachedStatement(sql: "INSERT INTO unmatched_texts (courier, normalized, example, tracking_number, provider, count, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, 1, ?, ?)")
        try insert.execute(arguments: [courier, normalized, String(text.prefix(UnmatchedTextFolding.maxLength)), trackingNumber, provider, time.milliseconds, time.milliseconds])
        return true
    }

    /// Unmatched texts, most frequent first (of one courier code, when given).
    package func unmatchedTexts(courier: String?, limit: Int) throws -> [UnmatchedText] {
        var sql = "SELECT courier, normalized, example, tracking_number, provider, count, first_seen, last_seen FROM unmatched_texts"
        var arguments: StatementArguments = []
        if let courier {
            sql += " WHERE courier = ?"
            arguments += [courier]
        }
        sql += " ORDER BY count DESC, last_seen DESC, courier, normalized LIMIT ?"
        arguments += [limit]
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            UnmatchedText(courier: row[0], normalized: row[1], example: row[2], trackingNumber: row[3], provider: row[4], count: row[5],
                          firstSeen: Timestamp(milliseconds: row[6]), lastSeen: Timestamp(milliseconds: row[7]))
        }
    }

    // MARK: Changes and outbox

    /// Stores a status change; returns its id, which names its notifications.
    package func record(_ change: StatusChange) throws -> Int64 {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO status_changes (order_id, tracking_number, at, old_carrier, new_carrier, old_buyer, new_buyer, old_seller, new_seller, kind, event_fingerprint, notifications)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [
            change.orderID, change.trackingNumber, change.at.milliseconds, change.old?.carrier.rawValue, change.new.carrier.rawValue,
            change.old?.view.buyer.rawValue, change.new.view.buyer.rawValue, change.old?.view.seller.rawValue,
            change.new.view.seller.rawValue, change.kind?.rawValue, change.event?.fingerprint, change.notifications,
        ])
        return db.lastInsertedRowID
    }

    /// Puts a rendered notification in the outbox, in the same transaction as its change.
    package func enqueue(changeID: Int64, orderID: OrderID, kind: NotificationKind, audience: Audience, fileName: String, payload: [UInt8], createdAt: Timestamp) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO outbox (change_id, order_id, kind, audience, file_name, payload, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [changeID, orderID, kind.rawValue, audience.rawValue, fileName, Data(payload), createdAt.milliseconds])
    }

    /// Notifications not yet delivered, oldest first.
    package func pendingOutbox(limit: Int) throws -> [OutboxEntry] {
        try Row.fetchAll(db, sql: "SELECT id, file_name, payload, staged FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT ?", arguments: [limit]).map { row in
            let payload: Data = row[2]
            return OutboxEntry(id: row[0], fileName: row[1], payload: [UInt8](payload), staged: row[3])
        }
    }

    package func markStaged(_ ids: [Int64]) throws {
        let statement = try db.cachedStatement(sql: "UPDATE outbox SET staged = 1 WHERE id = ?")
        for id in ids { try statement.execute(arguments: [id]) }
    }

    package func markDelivered(_ ids: [Int64], at time: Timestamp) throws {
        let statement = try db.cachedStatement(sql: "UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL")
        for id in ids { try statement.execute(arguments: [time.milliseconds, id]) }
    }

    package func pendingOutboxCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL") ?? 0
    }
}

