
/// Whether lacak's two stores — the spool and the state database — could be written the last
/// time it tried, and if not since when and why.
///
/// A disk that fills up or a directory that loses its permissions must not stop the daemon: the
/// work that cannot be written waits (undelivered notifications stay in the outbox, shipments
/// stay due, intake files stay in `incoming/`), the problem shows in the logs and the systemd
/// status line, and everything is written once the store accepts writes again.
public final class StorageHealth: Sendable {
    /// One store's current problem.
    public struct Problem: Sendable, Equatable {
        /// When the first of the failures in a row happened.
        public var since: Timestamp
        public var message: String
        /// Failed attempts in a row.
        public var failures: Int
    }

    private struct State {
        var spool: Problem?
        var state: Problem?
    }

    private let current = LockBox(State())

    public init() {}

    /// The spool's problem, nil when the last write worked.
    public var spool: Problem? { current.withLock { $0.spool } }

    /// The state database's problem, nil when the last write worked.
    public var state: Problem? { current.withLock { $0.state } }

    /// Records a failed spool write; true when it is the first of a row (worth a log line).
    @discardableResult
    func spoolFailed(_ message: String, at time: Timestamp = .now) -> Bool {
        current.withLock { Self.fail(&$0.spool, message, at: time) }
    }

    /// Records a spool write that worked; returns the problem it ended, if any.
    @discardableResult
    func spoolWorked() -> Problem? {
        current.withLock { state in
            defer { state.spool = nil }
            return state.spool
        }
    }

    @discardableResult
    func stateFailed(_ message: String, at time: Timestamp = .now) -> Bool {
        current.withLock { Self.fail(&$0.state, message, at: time) }
    }

    @discardableResult
    func stateWorked() -> Problem? {
        current.withLock { state in
            defer { state.state = nil }
            return state.state
        }
    }

    private static func fail(_ problem: inout Problem?, _ message: String, at time: Timestamp) -> Bool {
        if problem == nil {
            problem = Problem(since: time, message: message, failures: 1)
            return true
        }
        problem?.message = message
        problem?.failures += 1
        return false
    }

    /// A short text for the status line, nil when both stores are fine.
    public func summary(zone: ZoneRules) -> String? {
        let (spool, state) = current.withLock { ($0.spool, $0.state) }
        var parts: [String] = []
        if let spool { parts.append("SPOOL NOT WRITABLE since \(Self.clock(spool.since, zone)): \(spool.message)") }
        if let state { parts.append("STATE NOT WRITABLE since \(Self.clock(state.since, zone)): \(state.message)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    private static func clock(_ time: Timestamp, _ zone: ZoneRules) -> String {
        String(time.iso8601(in: zone).prefix(19).suffix(8))
    }
}
