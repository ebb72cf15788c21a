import Foundation
import LacakSupport

/// The simulator's memory: when each number was first asked about, forced scenarios, counters.
///
/// Time is compressed: one real second is `speed` simulated seconds. A shipment's story starts
/// at the simulated moment it is first asked about, like a parcel handed over when its label
/// is first tracked.
final class ShipmentBook: Sendable {
    private struct State {
        var firstSeen: [String: Double] = [:]
        var forced: [String: Scenario] = [:]
        var scripts: [String: ScriptedHistory] = [:]
        var lookups: [String: Int] = [:]
        /// Numbers whose scenario shows one more scan per lookup instead of by the clock.
        var perLookup: Set<String> = []
        var requests = 0
        var requestsByPath: [String: Int] = [:]
        var log: [(time: Double, path: String, status: Int, retryAfter: Int?)] = []
        var registered: Set<String> = []
    }

    let speed: Double
    /// Real time the simulator started, seconds since 1970.
    let realStart: Double
    /// Simulated time at the start, seconds since 1970.
    let simulatedStart: Double
    private let state = LockBox(State())

    init(speed: Double, simulatedStart: Double? = nil) {
        self.speed = speed
        let now = Date().timeIntervalSince1970
        realStart = now
        self.simulatedStart = simulatedStart ?? now
    }

    /// The simulated clock now, seconds since 1970.
    var simulatedNow: Double {
        simulatedStart + (Date().timeIntervalSince1970 - realStart) * speed
    }

    /// Counts an answered API request and keeps it in the recent-requests log.
    func record(path: String, status: Int, retryAfter: Int? = nil) {
        let now = Date().timeIntervalSince1970
        state.withLock { state in
            state.requests += 1
            state.requestsByPath[path, default: 0] += 1
            state.log.append((now, path, status, retryAfter))
            if state.log.count > 20_000 { state.log.removeFirst(10_000) }
        }
    }

    /// The recent requests: time (seconds since 1970), path and status.
    var recentRequests: [[String: Any]] {
        state.withLock { state in
            state.log.map { entry in
                var fields: [String: Any] = ["time": entry.time, "path": entry.path, "status": entry.status]
                if let retryAfter = entry.retryAfter { fields["retry_after"] = retryAfter }
                return fields
            }
        }
    }

    /// Registers a number with an API that needs it (17TRACK, AfterShip); false when it was already.
    func register(_ number: String, dialect: String) -> Bool {
        state.withLock { $0.registered.insert(dialect + "/" + number).inserted }
    }

    func isRegistered(_ number: String, dialect: String) -> Bool {
        state.withLock { $0.registered.contains(dialect + "/" + number) }
    }

    func force(_ awb: String, _ scenario: Scenario, perLookup: Bool = false) {
        state.withLock { state in
            state.forced[awb] = scenario
            if perLookup { state.perLookup.insert(awb) } else { state.perLookup.remove(awb) }
        }
    }

    func force(_ awb: String, _ script: ScriptedHistory) {
        state.withLock { $0.scripts[awb] = script }
    }

    /// Starts the story of `awb` at simulated time `start` (a package handed to the courier),
    /// unless it has begun already.
    func begin(_ awb: String, atSimulated start: Double) {
        state.withLock { state in
            if state.firstSeen[awb] == nil { state.firstSeen[awb] = start }
        }
    }

    /// The timeline `awb` follows, without counting a lookup or starting its story.
    func timeline(_ awb: String) -> Timeline {
        let (scenario, script) = state.withLock { ($0.forced[awb] ?? Scenario.derived(from: awb), $0.scripts[awb]) }
        return script.map { Timeline(awb: awb, script: $0) } ?? Timeline(awb: awb, scenario: scenario)
    }

    /// The timeline of a number and the simulated minutes since its story began.
    func observe(_ awb: String) -> (timeline: Timeline, start: Double, elapsedMinutes: Double) {
        let now = simulatedNow
        let (start, scenario, script, lookups, stepwise) = state.withLock { state -> (Double, Scenario, ScriptedHistory?, Int, Bool) in
            let start = state.firstSeen[awb] ?? now
            state.firstSeen[awb] = start
            state.lookups[awb, default: 0] += 1
            return (start, state.forced[awb] ?? Scenario.derived(from: awb), state.scripts[awb], state.lookups[awb] ?? 1, state.perLookup.contains(awb))
        }
        let timeline = script.map { Timeline(awb: awb, script: $0) } ?? Timeline(awb: awb, scenario: scenario)
        if let script, script.perLookup {
            // The n-th lookup sees n scans, dated as if time had passed between them.
            return (timeline, start, Double((lookups - 1) * script.stepMinutes))
        }
        if stepwise, !timeline.steps.isEmpty {
            return (timeline, start, Double(timeline.steps[min(lookups, timeline.steps.count) - 1].minutes))
        }
        return (timeline, start, (now - start) / 60)
    }

    var stats: [String: Any] {
        state.withLock { state in
            ["requests": state.requests, "by_path": state.requestsByPath, "shipments": state.firstSeen.count]
        }
    }
}
