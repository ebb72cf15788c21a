import Foundation
package import LacakSupport
import LacakModel
package import LacakStore

/// Brings the spool up to date with state: rewrites stale order snapshots and delivers the
/// outbox into `notifications/new/`, exactly once.
///
/// Delivery protocol, per notification N (crash-safe at every step):
/// 1. write `tmp/N` (truncating whatever an earlier crash left there), make it and `tmp/`
///    durable;
/// 2. commit `staged = 1` in state (so `tmp/N` is complete from here on);
/// 3. rename `tmp/N` to `new/N`, fsync `new/`;
/// 4. commit `delivered_at`.
/// On restart, a staged entry whose `tmp/N` is gone was renamed already (rename is atomic), so
/// it is only marked delivered; an unstaged one is written again under the same name. Readers
/// may move or delete `new/N` at any time without causing a second delivery.
/// Publishing runs under an exclusive lock, so `--check` and the daemon never interleave.
package struct SpoolPublisher: Sendable {
    package let layout: SpoolLayout
    let store: any StateStore
    let renderer: SnapshotRenderer
    let courierNames: [String: String]
    let lockPath: String
    /// Orders or notifications handled per database round trip.
    var batchSize = 500
    /// How long a publish waits for the spool lock before it gives up (and says who it waited for).
    var lockTimeout: Double = 30
    /// Told what the publisher is waiting for or has moved aside, for the log.
    let note: @Sendable (String) -> Void

    package init(layout: SpoolLayout, store: any StateStore, zone: ZoneRules, courierNames: [String: String], lockDirectory: String,
                note: @escaping @Sendable (String) -> Void = { _ in }) {
        self.layout = layout
        self.store = store
        self.renderer = SnapshotRenderer(zone: zone)
        self.courierNames = courierNames
        self.lockPath = (FileLock.directory(in: lockDirectory) as NSString).appendingPathComponent("spool.lock")
        self.note = note
    }

    private func lock() throws(SpoolError) -> FileLock {
        let path = lockPath
        let note = note
        return try FileLock(path: path, timeout: lockTimeout) {
            note("waiting for the spool lock \(path), held by another process (a lacakd --check, or another daemon)")
        }
    }

    /// Runs `body`, moving an entry that stands in the way of lacak's own files (a directory
    /// where a snapshot or notification goes) to `quarantine/` and trying again, so one bad
    /// entry cannot stop the spool for every order.
    private func clearingTheWay<T>(_ body: () throws(SpoolError) -> T) throws(SpoolError) -> T {
        var moved = 0
        while true {
            do {
                return try body()
            } catch {
                guard let path = error.inTheWay, moved < 20 else { throw error }
                let target = try layout.quarantine(path, reason: error.description)
                note("moved \(path) aside to \(target): it stood where lacak writes (\(error.message))")
                moved += 1
            }
        }
    }

    /// What one publish did.
    package struct Report: Sendable, Equatable {
        package var snapshots = 0
        package var notifications = 0

        package init() {}
    }

    /// Publishes of one process, one at a time: the spool lock is for other processes (a
    /// `--check` beside the daemon), and a publish waiting on its own process's lock would
    /// report a wait for "another process".
    /// Counts publishes (not Void: see StderrWriter's lock).
    private static let inProcess = LockBox(0)

    /// Writes every stale snapshot and delivers every pending notification.
    package func publish() throws(SpoolError) -> Report {
        try Self.inProcess.withLock { count throws(SpoolError) in
            count &+= 1
            return try publishHoldingTheProcess()
        }
    }

    private func publishHoldingTheProcess() throws(SpoolError) -> Report {
        if let (path, problem) = layout.unsafeDirectory() {
            throw SpoolError(operation: "publish into \(path)", message: problem + "; nothing is published until it is a directory again")
        }
        let lock = try lock()
        defer { withExtendedLifetime(lock) {} }
        var report = Report()
        report.snapshots = try writeSnapshots()
        report.notifications = try deliverNotifications()
        return report
    }

    /// Removes partial files a crash may have left in lacak's scratch directories.
    package func cleanLeftovers() throws(SpoolError) {
        try Self.inProcess.withLock { count throws(SpoolError) in
            count &+= 1
            try cleanLeftoversHoldingTheProcess()
        }
    }

    private func cleanLeftoversHoldingTheProcess() throws(SpoolError) {
        let lock = try lock()
        defer { withExtendedLifetime(lock) {} }
        AtomicFiles.removeLeftovers(in: layout.notificationsTmp, suffix: ".part")
        AtomicFiles.removeLeftovers(in: layout.scratch, suffix: ".tmp")
    }

    private func writeSnapshots() throws(SpoolError) -> Int {
        var written = 0
        while true {
            let batchSize = batchSize
            let batch: [(Order, [TrackingNumber: [TrackingEvent]])]
            do {
                batch = try store.readNow("read orders to publish") { transaction in
                    try transaction.unwrittenOrders(limit: batchSize).map { ($0, try transaction.events($0.orderID)) }
                }
            } catch {
                throw SpoolError(operation: "read state", message: error.description)
            }
            if batch.isEmpty { return written }
            var moves: [(String, String)] = []
            var files: [(bytes: [UInt8], path: String)] = []
            for (order, events) in batch {
                let bytes = renderer.render(order, events: events, courierNames: courierNames)
                let temporary = layout.scratch + "/" + order.orderID.rawValue + "." + String(order.version) + ".tmp"
                files.append((bytes, temporary))
                moves.append((temporary, layout.snapshotPath(orderID: order.orderID)))
            }
            try clearingTheWay { () throws(SpoolError) in try AtomicFiles.writeDurably(files, directory: layout.scratch) }
            for (source, destination) in moves {
                try clearingTheWay { () throws(SpoolError) in try AtomicFiles.rename(source, to: destination) }
            }
            try AtomicFiles.syncDirectory(layout.orders)
            let versions = batch.map { ($0.0.orderID, $0.0.version) }
            do {
                try store.writeNow("record written snapshots") { transaction in
                    for (orderID, version) in versions { try transaction.markWritten(orderID, version: version) }
                }
            } catch {
                throw SpoolError(operation: "record written snapshots", message: error.description)
            }
            written += batch.count
            if batch.count < batchSize { return written }
        }
    }

    private func deliverNotifications() throws(SpoolError) -> Int {
        var delivered = 0
        while true {
            let batchSize = batchSize
            let entries: [OutboxEntry]
            do {
                entries = try store.readNow("read the outbox") { try $0.pendingOutbox(limit: batchSize) }
            } catch {
                throw SpoolError(operation: "read the outbox", message: error.description)
            }
            if entries.isEmpty { return delivered }

            // Step 1 and 2: stage what is not staged yet.
            let unstaged = entries.filter { !$0.staged }
            if !unstaged.isEmpty {
                // Readers never look in tmp/, and an unstaged tmp/N is never renamed, so it can be
                // written in place: a partial one from a crash is simply written again.
                let files = unstaged.map { (bytes: $0.payload, path: layout.notificationsTmp + "/" + $0.fileName) }
                try clearingTheWay { () throws(SpoolError) in try AtomicFiles.writeDurably(files, directory: layout.notificationsTmp) }
                try AtomicFiles.syncDirectory(layout.notificationsTmp)
                let ids = unstaged.map(\.id)
                do {
                    try store.writeNow("stage notifications") { try $0.markStaged(ids) }
                } catch {
                    throw SpoolError(operation: "stage notifications", message: error.description)
                }
                CrashPoint.reached("deliver.after-stage")
            }
            // Step 3: publish. A missing tmp file means this entry was published before a crash.
            var stuck: Set<Int64> = []
            for entry in entries {
                let staged = layout.notificationsTmp + "/" + entry.fileName
                var info = stat()
                if lstat(staged, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
                    // Not the file lacak staged (a symlink or FIFO put there): never renamed
                    // into new/, where a reader would follow it. Write the payload again.
                    try clearingTheWay { () throws(SpoolError) in try AtomicFiles.writeDurably(entry.payload, to: staged) }
                    note("\(staged) was replaced by something that is not a regular file; wrote the notification again")
                }
                do {
                    try clearingTheWay { () throws(SpoolError) in
                        if Foundation.rename(staged, layout.notificationsNew + "/" + entry.fileName) != 0, errno != ENOENT {
                            let code = errno
                            let inTheWay = code == EISDIR || code == ENOTEMPTY || code == EEXIST ? layout.notificationsNew + "/" + entry.fileName : nil
                            throw SpoolError(operation: "deliver \(entry.fileName)", message: String(cString: strerror(code)), inTheWay: inTheWay)
                        }
                    }
                } catch {
                    // Something in new/ that lacak cannot move aside (a reader's own directory):
                    // this one waits in tmp/, staged, and every other notification is delivered.
                    guard error.operation.hasPrefix("move ") else { throw error }
                    note("\(entry.fileName) cannot be delivered: \(error.description); it stays staged and is tried again")
                    stuck.insert(entry.id)
                }
            }
            try AtomicFiles.syncDirectory(layout.notificationsNew)
            CrashPoint.reached("deliver.after-rename")
            // Step 4.
            let ids = entries.map(\.id).filter { !stuck.contains($0) }
            do {
                try store.writeNow("record deliveries") { try $0.markDelivered(ids, at: .now) }
            } catch {
                throw SpoolError(operation: "record deliveries", message: error.description)
            }
            delivered += ids.count
            // A batch of only stuck entries would be read again at once: stop for this round.
            if entries.count < batchSize || ids.isEmpty { return delivered }
        }
    }
}
