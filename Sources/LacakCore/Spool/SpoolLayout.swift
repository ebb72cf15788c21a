import Foundation

/// The shared directory and its parts.
///
/// ```
/// spool/
///   incoming/            orders dropped by the shop (*.json, *.jsonl)
///   rejected/            intake files with bad records, each with a .error beside it
///   orders/              <order_id>.json, the current snapshot of every order
///   notifications/       maildir: tmp/ (lacak's), new/ (ready), cur/ (moved by readers)
///   tmp/                 lacak's scratch space for atomic snapshot writes
/// ```
public struct SpoolLayout: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public var incoming: String { path("incoming") }
    public var rejected: String { path("rejected") }
    public var orders: String { path("orders") }
    public var notifications: String { path("notifications") }
    public var notificationsTmp: String { path("notifications/tmp") }
    public var notificationsNew: String { path("notifications/new") }
    public var notificationsCur: String { path("notifications/cur") }
    public var scratch: String { path("tmp") }

    /// Every directory lacak needs, parents first.
    public var directories: [String] {
        [root, incoming, rejected, orders, notifications, notificationsTmp, notificationsNew, notificationsCur, scratch]
    }

    /// Creates missing directories (mode 0770 minus the umask, so a shared group can read).
    public func create() throws(SpoolError) {
        for directory in directories {
            var info = stat()
            if stat(directory, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw SpoolError(operation: "use \(directory)", message: "exists and is not a directory")
                }
                continue
            }
            if mkdir(directory, 0o770) != 0, errno != EEXIST {
                throw SpoolError(operation: "create \(directory)", errno: errno)
            }
        }
    }

    /// The snapshot path of an order; the id has been validated, so it cannot leave `orders/`.
    public func snapshotPath(orderID: String) -> String {
        precondition(Identifiers.isValidOrderID(orderID), "unvalidated order id reached the spool")
        return orders + "/" + orderID + ".json"
    }

    private func path(_ component: String) -> String {
        root.hasSuffix("/") ? root + component : root + "/" + component
    }
}

/// A file operation in the spool that failed.
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var message: String

    public init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    public init(operation: String, errno code: Int32) {
        self.init(operation: operation, message: String(cString: strerror(code)))
    }

    public var description: String { "spool: cannot \(operation): \(message)" }
}
