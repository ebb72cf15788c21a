import Foundation
import GRDB

/// The embedded `StateStore`: SQLite under the state directory, holding orders and their
/// packages, deduplicated events, poll schedule, status history and the notification outbox.
///
/// WAL mode lets `lacakd --check` and the daemon read while the other writes; writes take
/// SQLite's lock with a generous busy timeout, so the two never corrupt or double-apply.
package final class SQLiteStateStore: StateStore {
    /// Path of the database file.
    package let path: String
    let pool: DatabasePool
    /// Device and inode of the file opened, to notice it being deleted or replaced.
    private let identity: (device: UInt64, inode: UInt64)?

    /// Opens (and creates or migrates) `state.sqlite` in `directory`.
    package init(directory: String) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw StoreError(operation: "create state directory \(directory)", message: "\(error.localizedDescription)")
        }
        path = (directory as NSString).appendingPathComponent("state.sqlite")
        var configuration = Configuration()
        configuration.busyMode = .timeout(60)
        configuration.prepareDatabase { db in
            // FULL makes each commit durable before the spool file it allows is published:
            // exactly-once delivery depends on it.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError(operation: "open \(path)", message: "\(error)")
        }
        identity = Self.fileIdentity(path)
    }

    private static func fileIdentity(_ path: String) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// Fails when the database file lacak opened has been deleted or replaced since: whatever
    /// lacak commits from then on would go into a file nobody will open again, so it must stop.
    package func verifyFile() throws(StoreError) {
        guard let identity else { return }
        guard let now = Self.fileIdentity(path) else {
            throw StoreError(operation: "keep using \(path)", message: "the database was deleted while lacak ran; stopping rather than losing work (restore it, or restart lacak to start anew)")
        }
        guard now == identity else {
            throw StoreError(operation: "keep using \(path)", message: "the database was replaced by another file while lacak ran; stopping rather than losing work (restart lacak to use the new one)")
        }
    }

    /// Runs `body` in one write transaction; everything it does commits together or not at all.
    package func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (any StateTransaction) throws -> T) async throws(StoreError) -> T {
        // Nothing is committed into a database file that was deleted or replaced: the caller
        // keeps its input (an intake file stays in incoming/) and the daemon stops.
        try verifyFile()
        do {
            return try await pool.write { db in try body(SQLiteTransaction(db: db)) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(operation: operation, message: "\(error)")
        }
    }

    /// Synchronous variant of `write` for callers outside async code (tools, tests).
    package func writeNow<T>(_ operation: String, _ body: (any StateTransaction) throws -> T) throws(StoreError) -> T {
        try verifyFile()
        do {
            return try pool.write { db in try body(SQLiteTransaction(db: db)) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(operation: operation, message: "\(error)")
        }
    }

    /// Runs `body` on a consistent snapshot of the state.
    package func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (any StateTransaction) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.read { db in try body(SQLiteTransaction(db: db)) }
        } catch {
            throw StoreError(operation: operation, message: "\(error)")
        }
    }

    /// Synchronous variant of `read`.
    package func readNow<T>(_ operation: String, _ body: (any StateTransaction) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read { db in try body(SQLiteTransaction(db: db)) }
        } catch {
            throw StoreError(operation: operation, message: "\(error)")
        }
    }

    /// `PRAGMA integrity_check`; "ok" when the database is sound.
    package func integrityCheck() throws(StoreError) -> String {
        do {
            return try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
        } catch {
            throw StoreError(operation: "integrity check", message: "\(error)")
        }
    }

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE orders (
                    order_id TEXT PRIMARY KEY NOT NULL,
                    shop_status TEXT NOT NULL,
                    courier_code TEXT,
                    courier_id TEXT,
                    courier_candidates TEXT,
                    tracking_number TEXT,
                    service TEXT,
                    carrier_status TEXT NOT NULL,
                    carrier_reason TEXT,
                    status_time INTEGER,
                    buyer_status TEXT NOT NULL,
                    seller_status TEXT NOT NULL,
                    meta TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    last_event_at INTEGER,
                    last_checked INTEGER,
                    next_check INTEGER,
                    confirmations INTEGER NOT NULL DEFAULT 0,
                    failures INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    ready_since INTEGER,
                    dispatch_alert_at INTEGER,
                    version INTEGER NOT NULL DEFAULT 1,
                    written_version INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX orders_next_check ON orders(next_check) WHERE next_check IS NOT NULL;
                CREATE INDEX orders_dispatch_alert ON orders(dispatch_alert_at) WHERE dispatch_alert_at IS NOT NULL;
                CREATE INDEX orders_unwritten ON orders(order_id) WHERE version > written_version;

                CREATE TABLE events (
                    order_id TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    status TEXT,
                    reason TEXT,
                    code TEXT,
                    description TEXT NOT NULL,
                    location TEXT,
                    seen_at INTEGER NOT NULL,
                    PRIMARY KEY (order_id, fingerprint)
                ) WITHOUT ROWID;

                -- Every change of an order's status, and every alert about an order (late
                -- dispatch) with its status unchanged; `notifications` files are owed for it.
                CREATE TABLE status_changes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    order_id TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    old_carrier TEXT,
                    new_carrier TEXT NOT NULL,
                    old_buyer TEXT,
                    new_buyer TEXT NOT NULL,
                    old_seller TEXT,
                    new_seller TEXT NOT NULL,
                    kind TEXT,
                    event_fingerprint TEXT,
                    notifications INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX status_changes_order ON status_changes(order_id);

                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    change_id INTEGER NOT NULL REFERENCES status_changes(id),
                    order_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    audience TEXT NOT NULL,
                    file_name TEXT NOT NULL UNIQUE,
                    payload BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    staged INTEGER NOT NULL DEFAULT 0,
                    delivered_at INTEGER
                );
                CREATE INDEX outbox_pending ON outbox(id) WHERE delivered_at IS NULL;
                """)
        }
        // Shipment-level evidence and event texts no status rule reads.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                ALTER TABLE orders ADD COLUMN disputed INTEGER NOT NULL DEFAULT 0;

                -- Event texts no status rule classified, per courier code, folded (digits and
                -- bracketed names stripped) so one wording is one row.
                CREATE TABLE unmatched_texts (
                    courier TEXT NOT NULL,
                    normalized TEXT NOT NULL,
                    example TEXT NOT NULL,
                    tracking_number TEXT NOT NULL,
                    provider TEXT,
                    count INTEGER NOT NULL,
                    first_seen INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL,
                    PRIMARY KEY (courier, normalized)
                ) WITHOUT ROWID;
                """)
        }
        // Events of a shipment not kept because of max_events (the oldest).
        migrator.registerMigration("v3") { db in
            try db.execute(sql: "ALTER TABLE orders ADD COLUMN events_dropped INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v4", migrate: SQLiteStateStore.packagesOfTheirOwn)
        // Where each order source (a TikTok Shop app) is in its pulls, written in the same
        // transaction as the orders of the page it read.
        migrator.registerMigration("v5") { db in
            try db.execute(sql: """
                CREATE TABLE source_cursors (
                    source_id TEXT PRIMARY KEY,
                    cursor TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }()
}

extension SQLiteStateStore {
    /// Migration v4: an order's packages get a table of their own, keyed by order and tracking
    /// number, and events and status changes name the package they belong to. Every order of
    /// the one-package schema with a tracking number becomes an order with that one package.
    ///
    /// Snapshots are not marked for rewriting: at a million orders that is a million files
    /// written before the daemon could say it is ready (about 100 s here, past systemd's start
    /// timeout), where the tables themselves migrate in 4 s. A snapshot gains its `packages`
    /// list the next time its order changes; its top-level fields are the same either way.
    static func packagesOfTheirOwn(_ db: Database) throws {
        try db.execute(sql: """
            -- A rowid table, keyed by (order_id, tracking_number) through its unique index: the
            -- schedule index then points at rows by integer, which the due query and the
            -- start-up reassignment follow for every tracked package.
            CREATE TABLE shipments (
                id INTEGER PRIMARY KEY,
                order_id TEXT NOT NULL,
                tracking_number TEXT NOT NULL,
                package_id TEXT,
                courier_code TEXT,
                courier_id TEXT,
                courier_candidates TEXT,
                service TEXT,
                carrier_status TEXT NOT NULL,
                carrier_reason TEXT,
                status_time INTEGER,
                added_at INTEGER NOT NULL,
                last_event_at INTEGER,
                last_checked INTEGER,
                next_check INTEGER,
                confirmations INTEGER NOT NULL DEFAULT 0,
                failures INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                disputed INTEGER NOT NULL DEFAULT 0,
                events_dropped INTEGER NOT NULL DEFAULT 0,
                UNIQUE (order_id, tracking_number)
            );
            INSERT INTO shipments (order_id, tracking_number, package_id, courier_code, courier_id, courier_candidates, service,
                                   carrier_status, carrier_reason, status_time, added_at, last_event_at, last_checked, next_check,
                                   confirmations, failures, last_error, disputed, events_dropped)
                SELECT order_id, tracking_number, NULL, courier_code, courier_id, courier_candidates, service,
                       carrier_status, carrier_reason, status_time, created_at, last_event_at, last_checked, next_check,
                       confirmations, failures, last_error, disputed, events_dropped
                FROM orders WHERE tracking_number IS NOT NULL;
            -- With the courier columns in it, finding the couriers of tracked packages (at start
            -- and on reload) and leaving paused ones out of the due query read the index alone.
            CREATE INDEX shipments_next_check ON shipments(next_check, courier_id, courier_code) WHERE next_check IS NOT NULL;

            CREATE TABLE package_events (
                order_id TEXT NOT NULL,
                tracking_number TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                time INTEGER NOT NULL,
                status TEXT,
                reason TEXT,
                code TEXT,
                description TEXT NOT NULL,
                location TEXT,
                seen_at INTEGER NOT NULL,
                PRIMARY KEY (order_id, tracking_number, fingerprint)
            ) WITHOUT ROWID;
            INSERT INTO package_events
                SELECT e.order_id, o.tracking_number, e.fingerprint, e.time, e.status, e.reason, e.code, e.description, e.location, e.seen_at
                FROM events e JOIN orders o ON o.order_id = e.order_id WHERE o.tracking_number IS NOT NULL;
            DROP TABLE events;
            ALTER TABLE package_events RENAME TO events;

            CREATE TABLE orders_v4 (
                order_id TEXT PRIMARY KEY NOT NULL,
                shop_status TEXT NOT NULL,
                courier_code TEXT,
                buyer_status TEXT NOT NULL,
                seller_status TEXT NOT NULL,
                meta TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                ready_since INTEGER,
                dispatch_alert_at INTEGER,
                version INTEGER NOT NULL DEFAULT 1,
                written_version INTEGER NOT NULL DEFAULT 0
            );
            INSERT INTO orders_v4
                -- A tracked order's courier_code may have been detected, not named: it stays on
                -- its package, and only an order without one keeps it as the shop's choice.
                SELECT order_id, shop_status, CASE WHEN tracking_number IS NULL THEN courier_code END,
                       buyer_status, seller_status, meta, created_at, updated_at,
                       ready_since, dispatch_alert_at, version, written_version
                FROM orders;
            DROP TABLE orders;
            ALTER TABLE orders_v4 RENAME TO orders;
            CREATE INDEX orders_dispatch_alert ON orders(dispatch_alert_at) WHERE dispatch_alert_at IS NOT NULL;
            CREATE INDEX orders_unwritten ON orders(order_id) WHERE version > written_version;

            -- Changes from before v4 were all about the order's one package.
            ALTER TABLE status_changes ADD COLUMN tracking_number TEXT;
            UPDATE status_changes SET tracking_number =
                (SELECT tracking_number FROM shipments s WHERE s.order_id = status_changes.order_id);
            """)
    }
}
