import Foundation
import Synchronization

/// The simulator's memory: when each number was first asked about, forced scenarios, counters.
///
/// Time is compressed: one real second is `speed` simulated seconds. A shipment's story starts
/// at the simulated moment it is first asked about, like a parcel handed over when its label
/// is first tracked.
final class ShipmentBook: Sendable {
    private struct State {
        var firstSeen: [String: Double] = [:]
        var forced: [String: Scenario] = [:]
        var requests = 0
        var requestsByPath: [String: Int] = [:]
    }

    let speed: Double
    /// Real time the simulator started, seconds since 1970.
    let realStart: Double
    /// Simulated time at the start, seconds since 1970.
    let simulatedStart: Double
    private let state = Mutex(State())

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

    func count(path: String) {
        state.withLock { state in
            state.requests += 1
            state.requestsByPath[path, default: 0] += 1
        }
    }

    func force(_ awb: String, _ scenario: Scenario) {
        state.withLock { $0.forced[awb] = scenario }
    }

    /// The timeline of a number and the simulated minutes since its story began.
    func observe(_ awb: String) -> (timeline: Timeline, start: Double, elapsedMinutes: Double) {
        let now = simulatedNow
        let (start, scenario) = state.withLock { state -> (Double, Scenario) in
            let start = state.firstSeen[awb] ?? now
            state.firstSeen[awb] = start
            return (start, state.forced[awb] ?? Scenario.derived(from: awb))
        }
        return (Timeline(awb: awb, scenario: scenario), start, (now - start) / 60)
    }

    var stats: [String: Any] {
        state.withLock { state in
            ["requests": state.requests, "by_path": state.requestsByPath, "shipments": state.firstSeen.count]
        }
    }
}
