package import LacakSupport
package import LacakModel

/// Where lacak keeps what it knows: orders and their packages, events, the poll schedule,
/// status history and the notification outbox. The pipeline, the spool and the commands use
/// state only through this protocol and `StateTransaction`, never SQL.
///
/// `SQLiteStateStore` is the embedded implementation; a shared database for several nodes
/// implements the same two protocols. Every `write` body runs in one transaction: all it does
/// commits together or not at all, which is what exactly-once notifications rest on.
package protocol StateStore: Sendable {
    /// Where the state lives, for messages.
    var path: String { get }

    /// Fails when the state lacak opened can no longer be written where it was opened (the
    /// database file deleted or replaced): whatever is committed from then on would be lost.
    func verifyFile() throws(StoreError)

    /// Runs `body` in one write transaction.
    func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (any StateTransaction) throws -> T) async throws(StoreError) -> T

    /// Runs `body` on a consistent snapshot of the state.
    func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (any StateTransaction) throws -> T) async throws(StoreError) -> T

    /// `write` for callers outside async code (the spool writer, tools, tests).
    func writeNow<T>(_ operation: String, _ body: (any StateTransaction) throws -> T) throws(StoreError) -> T

    /// `read` for callers outside async code.
    func readNow<T>(_ operation: String, _ body: (any StateTransaction) throws -> T) throws(StoreError) -> T

    /// A consistency check of the storage; "ok" when it is sound.
    func integrityCheck() throws(StoreError) -> String
}

/// The typed operations on state, valid inside one `StateStore.write` or `read` call.
package protocol StateTransaction {
    // MARK: Orders and packages

    func order(_ orderID: OrderID) throws -> Order?
    /// The orders with these ids that exist, by id, with their packages.
    func orders(_ orderIDs: [OrderID]) throws -> [OrderID: Order]
    /// Stores `order` as a whole, `previous` being what was read for it (nil: it is new):
    /// packages no longer in it are deleted with their events. Its version is bumped so its
    /// snapshot is rewritten, unless `rewriteSnapshot` is false.
    func save(_ order: Order, previous: Order?, rewriteSnapshot: Bool) throws
    /// Packages due at `now` (or every one still polled when `all`), earliest first, leaving
    /// out those of the couriers in `excluding` (nil stands for packages no courier polls); a
    /// next check later than `farAhead` is due too (set under a clock since corrected).
    func dueShipments(now: Timestamp, all: Bool, limit: Int, excluding: Set<CourierID?>, farAhead: Timestamp?) throws -> [DueShipment]
    /// The earliest moment a poll or a dispatch alert is due; nil when nothing is scheduled.
    func nextWakeup(excluding: Set<CourierID?>, farAhead: Timestamp?) throws -> Timestamp?
    /// The courier codes of packages still being tracked (nil: packages that named none).
    func activeCourierCodes() throws -> [CourierCode?]
    /// Points the tracked packages with this courier code at `courierID`; packages that had
    /// none become due at `now`. Returns how many changed.
    func assign(courierCode: CourierCode?, to courierID: CourierID?, now: Timestamp) throws -> Int
    /// Orders whose late-dispatch alert is due.
    func dueDispatchAlerts(now: Timestamp, limit: Int) throws -> [OrderID]
    /// Packages that will be polled again.
    func activeShipmentCount() throws -> Int
    func orderCount() throws -> Int

    // MARK: Order sources

    /// The cursor an order source stored last (its own text), nil before its first pull.
    func sourceCursor(_ sourceID: String) throws -> String?
    /// Stores an order source's cursor, in the transaction that stores what it read.
    func setSourceCursor(_ sourceID: String, _ cursor: String, now: Timestamp) throws

    // MARK: Events

    /// The events of each of the order's packages, in chronological order.
    func events(_ orderID: OrderID) throws -> [TrackingNumber: [TrackingEvent]]
    /// The events of one package, in chronological order.
    func events(_ orderID: OrderID, trackingNumber: TrackingNumber) throws -> [TrackingEvent]
    func eventFingerprints(_ orderID: OrderID, trackingNumber: TrackingNumber) throws -> Set<String>
    /// Keeps the newest `limit` events of a package; returns how many went.
    @discardableResult
    func pruneEvents(_ orderID: OrderID, trackingNumber: TrackingNumber, keeping limit: Int) throws -> Int
    /// Adds events not stored yet (by fingerprint) to a package.
    func insertEvents(_ events: [TrackingEvent], orderID: OrderID, trackingNumber: TrackingNumber, seenAt: Timestamp) throws

    // MARK: Unmatched texts

    /// Counts one event text no status rule read; true when it is a wording not seen before.
    @discardableResult
    func countUnmatched(courier: String, text: String, trackingNumber: String, provider: String?, at time: Timestamp) throws -> Bool
    /// Unmatched texts, most frequent first (of one courier code, when given).
    func unmatchedTexts(courier: String?, limit: Int) throws -> [UnmatchedText]

    // MARK: Changes, outbox and snapshots

    /// Stores a status change; returns its id, which names its notifications.
    func record(_ change: StatusChange) throws -> Int64
    /// Puts a rendered notification in the outbox, in the same transaction as its change.
    func enqueue(changeID: Int64, orderID: OrderID, kind: NotificationKind, audience: Audience, fileName: String, payload: [UInt8], createdAt: Timestamp) throws
    /// Notifications not yet delivered, oldest first.
    func pendingOutbox(limit: Int) throws -> [OutboxEntry]
    func markStaged(_ ids: [Int64]) throws
    func markDelivered(_ ids: [Int64], at time: Timestamp) throws
    func pendingOutboxCount() throws -> Int
    /// Orders whose snapshot file is older than their state.
    func unwrittenOrders(limit: Int) throws -> [Order]
    /// Records that the snapshot of `version` is on disk (a newer version stays unwritten).
    func markWritten(_ orderID: OrderID, version: Int64) throws
}

extension StateTransaction {
    package func save(_ order: Order, previous: Order?) throws {
        try save(order, previous: previous, rewriteSnapshot: true)
    }

    package func dueShipments(now: Timestamp, all: Bool, limit: Int, excluding: Set<CourierID?> = []) throws -> [DueShipment] {
        try dueShipments(now: now, all: all, limit: limit, excluding: excluding, farAhead: nil)
    }
}

/// A notification waiting in (or delivered from) the outbox.
package struct OutboxEntry: Sendable, Equatable {
    package var id: Int64
    package var fileName: String
    package var payload: [UInt8]
    /// The payload is in the spool's `tmp/` under `fileName`, about to be renamed into `new/`.
    package var staged: Bool

    package init(id: Int64, fileName: String, payload: [UInt8], staged: Bool) {
        self.id = id
        self.fileName = fileName
        self.payload = payload
        self.staged = staged
    }
}

/// A failed state operation: what lacak was doing and what SQLite said.
package struct StoreError: Error, Sendable, CustomStringConvertible {
    package var operation: String
    package var message: String

    package init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    package var description: String { "state: cannot \(operation): \(message)" }
}
