package import LacakSupport
package import Logging

/// Whether lacak's two stores — the spool and the state database — could be written the last
/// time it tried, and if not since when and why.
///
/// A disk that fills up or a directory that loses its permissions must not stop the daemon: the
/// work that cannot be written waits (undelivered notifications stay in the outbox, shipments
/// stay due, intake files stay in `incoming/`), the problem shows in the logs and the systemd
/// status line, and everything is written once the store accepts writes again.
package final class StorageHealth: Sendable {
    /// One store's current problem.
    package struct Problem: Sendable, Equatable {
        /// When the first of the failures in a row happened.
        package var since: Timestamp
        package var message: String
        /// Failed attempts in a row.
        package var failures: Int
    }

    /// The two stores lacak writes.
    package enum Store: String, Sendable, CaseIterable {
        case spool, state
    }

    private let problems = LockBox([Store: Problem]())

    package init() {}

    /// The spool's problem, nil when the last write worked.
    package var spool: Problem? { problem(.spool) }

    /// The state database's problem, nil when the last write worked.
    package var state: Problem? { problem(.state) }

    package func problem(_ store: Store) -> Problem? {
        problems.withLock { $0[store] }
    }

    /// Records a failed write; true when it is the first of a row (worth a log line).
    @discardableResult
    func failed(_ store: Store, _ message: String, at time: Timestamp = .now) -> Bool {
        problems.withLock { problems in
            guard var problem = problems[store] else {
                problems[store] = Problem(since: time, message: message, failures: 1)
                return true
            }
            problem.message = message
            problem.failures += 1
            problems[store] = problem
            return false
        }
    }

    /// Records a write that worked; returns the problem it ended, if any.
    @discardableResult
    func worked(_ store: Store) -> Problem? {
        problems.withLock { $0.removeValue(forKey: store) }
    }

    /// A short text for the status line, nil when both stores are fine.
    package func summary(zone: ZoneRules) -> String? {
        let current = problems.withLock { $0 }
        let parts = Store.allCases.compactMap { store in
            current[store].map { "\(store.rawValue.uppercased()) NOT WRITABLE since \(Self.clock($0.since, zone)): \($0.message)" }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    private static func clock(_ time: Timestamp, _ zone: ZoneRules) -> String {
        String(time.iso8601(in: zone).prefix(19).suffix(8))
    }
}

extension StorageHealth {
    /// Records a failed write and logs it once per run of failures.
    package func logFailure(_ store: Store, _ message: String, to logger: Logger) {
        if failed(store, message) {
            let waiting = store == .spool
                ? "notifications wait in the outbox and are delivered once it is"
                : "results and intake are kept for a retry once it is"
            logger.error("\(store.rawValue) not writable: \(message); \(waiting)")
        } else {
            logger.debug("\(store.rawValue) still not writable: \(message)")
        }
    }

    /// Records a write that worked and logs the end of a run of failures.
    package func logWorked(_ store: Store, to logger: Logger) {
        guard let ended = worked(store) else { return }
        let catchingUp = store == .spool ? "; undelivered notifications are being delivered" : ""
        logger.notice("\(store.rawValue) writable again after \(ended.failures) failed attempt(s)\(catchingUp)")
    }
}
