import Foundation
package import LacakSupport
package import LacakModel

/// The shared directory and its parts.
///
/// ```
/// spool/
///   incoming/            orders dropped by the shop (*.json, *.jsonl)
///   rejected/            intake files with bad records, each with a .error beside it
///   orders/              <order_id>.json, the current snapshot of every order
///   notifications/       maildir: tmp/ (lacak's), new/ (ready), cur/ (moved by readers)
///   tmp/                 lacak's scratch space for atomic snapshot writes
///   quarantine/          entries that stood in the way of lacak's own files, moved aside
/// ```
package struct SpoolLayout: Sendable {
    package let root: String

    package init(root: String) {
        self.root = root
    }

    package var incoming: String { path("incoming") }
    package var rejected: String { path("rejected") }
    package var orders: String { path("orders") }
    package var notifications: String { path("notifications") }
    package var notificationsTmp: String { path("notifications/tmp") }
    package var notificationsNew: String { path("notifications/new") }
    package var notificationsCur: String { path("notifications/cur") }
    package var scratch: String { path("tmp") }
    package var quarantine: String { path("quarantine") }

    /// Every directory lacak needs, parents first.
    package var directories: [String] {
        [root, incoming, rejected, orders, notifications, notificationsTmp, notificationsNew, notificationsCur, scratch, quarantine]
    }

    /// The first of lacak's directories that is a symbolic link (or not a directory at all),
    /// with what it is: lacak never writes through one, since it could point anywhere.
    package func unsafeDirectory() -> (path: String, problem: String)? {
        for directory in directories {
            var info = stat()
            guard lstat(directory, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: continue
            case S_IFLNK: return (directory, "is a symbolic link; lacak writes only into real directories of the spool")
            default: return (directory, "exists and is not a directory")
            }
        }
        return nil
    }

    /// Moves `path`, which stands where lacak must write, to `quarantine/` beside a `.reason`
    /// file; returns where it went.
    package func quarantine(_ path: String, reason: String, now: Timestamp = .now) throws(SpoolError) -> String {
        let name = String(now.milliseconds) + "-" + (path as NSString).lastPathComponent
        let target = quarantine + "/" + name
        if Foundation.rename(path, target) != 0 {
            throw SpoolError(operation: "move \(path) aside to \(target)", errno: errno)
        }
        try AtomicFiles.writeDurably(Array("\(path) was in the way of lacak at \(now.iso8601(in: .utc)): \(reason)\n".utf8), to: target + ".reason")
        return target
    }

    /// Creates missing directories: 0770 for the ones readers write (incoming/, notifications/new
    /// and cur), 0750 for the rest, minus the umask; refuses a spool whose directories are links.
    package func create() throws(SpoolError) {
        if let (path, problem) = unsafeDirectory() { throw SpoolError(operation: "use \(path)", message: problem) }
        for directory in directories {
            var info = stat()
            if lstat(directory, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw SpoolError(operation: "use \(directory)", message: "exists and is not a directory")
                }
                continue
            }
            // Readers drop files into incoming/ and move them out of new/ to cur/; the rest is
            // lacak's to write (the systemd unit's tmpfiles entries set the same modes).
            let shared = [incoming, notificationsNew, notificationsCur].contains(directory)
            if mkdir(directory, shared ? 0o770 : 0o750) != 0, errno != EEXIST {
                throw SpoolError(operation: "create \(directory)", errno: errno)
            }
        }
    }

    /// The snapshot path of an order; the id has been validated, so it cannot leave `orders/`.
    package func snapshotPath(orderID: OrderID) -> String {
        snapshotPath(orderID: orderID.rawValue)
    }

    /// The snapshot file of an order id given as text.
    package func snapshotPath(orderID: String) -> String {
        precondition(Identifiers.isValidOrderID(orderID), "unvalidated order id reached the spool")
        return orders + "/" + orderID + ".json"
    }

    private func path(_ component: String) -> String {
        root.hasSuffix("/") ? root + component : root + "/" + component
    }
}

/// A file operation in the spool that failed.
package struct SpoolError: Error, Sendable, CustomStringConvertible {
    package var operation: String
    package var message: String
    /// An entry that blocks the operation (a directory where a file must go), which the
    /// publisher moves to `quarantine/` so the rest of the spool is delivered.
    package var inTheWay: String?
    /// The failure is in the state directory (its locks), not the spool: a read-only state
    /// directory is reported as state not writable.
    package var aboutState = false

    package init(operation: String, message: String, inTheWay: String? = nil) {
        self.operation = operation
        self.message = message
        self.inTheWay = inTheWay
    }

    package init(operation: String, errno code: Int32) {
        self.init(operation: operation, message: String(cString: strerror(code)))
    }

    package var description: String { "\(aboutState ? "state" : "spool"): cannot \(operation): \(message)" }
}
