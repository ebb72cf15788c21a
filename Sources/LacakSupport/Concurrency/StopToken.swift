import Foundation

/// Steers a running poll from outside: raised to make it stop starting new requests (graceful
/// shutdown), and beaten by the poll as it makes progress (the daemon's watchdog reads it).
package final class StopToken: Sendable {
    private struct State {
        var raised = false
        var lastBeat = ContinuousClock.now
        /// Workers waiting in `sleep(for:)`, woken early by `raise()`.
        var sleepers: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextSleeper: UInt64 = 0
    }

    private let state = LockBox(State())

    package init() {}

    package var isRaised: Bool { state.withLock { $0.raised } }

    /// Stops the poll: no new request starts, and every `sleep(for:)` returns at once.
    package func raise() {
        let sleepers = state.withLock { state in
            state.raised = true
            defer { state.sleepers = [:] }
            return state.sleepers
        }
        for sleeper in sleepers.values { sleeper.resume() }
    }

    /// Records progress: a request answered, a batch committed.
    package func beat() { state.withLock { $0.lastBeat = ContinuousClock.now } }

    /// Time since the last progress.
    package var sinceLastBeat: Duration { ContinuousClock.now - state.withLock { $0.lastBeat } }

    /// Waits for `duration` (a rate-limit slot, a courier's Retry-After), or until the token is
    /// raised, whichever comes first: a shutdown never waits out a courier's pause. Task
    /// cancellation does not end it; the daemon raises the token before it cancels anything.
    package func sleep(for duration: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id: UInt64? = state.withLock { state in
                guard !state.raised else { return nil }
                defer { state.nextSleeper += 1 }
                state.sleepers[state.nextSleeper] = continuation
                return state.nextSleeper
            }
            guard let id else { return continuation.resume() }
            DispatchQueue.global().asyncAfter(deadline: .now() + duration.dispatchInterval) { [self] in
                state.withLock { $0.sleepers.removeValue(forKey: id) }?.resume()
            }
        }
    }
}
