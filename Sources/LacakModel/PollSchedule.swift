package import LacakSupport

/// When to poll a shipment next: adaptive by status, backing off on errors, stopping when done.
package struct PollSchedule: Sendable {
    package var intervals: PollIntervals
    package var jitter: Double
    package var initialBackoff: ConfigDuration
    package var maxBackoff: ConfigDuration

    package init(intervals: PollIntervals, jitter: Double, initialBackoff: ConfigDuration, maxBackoff: ConfigDuration) {
        self.intervals = intervals
        self.jitter = jitter
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The next poll after a successful one; nil stops polling.
    ///
    /// `wasFinal` says whether the shipment was already final before this poll: a shipment
    /// that just became final gets one confirmation poll, one that was confirmed stops.
    package func nextAfterSuccess(status: CarrierStatus, wasFinal: Bool, now: Timestamp, random: Double) -> Timestamp? {
        if status == .expired { return nil }
        if status.isFinal {
            return wasFinal ? nil : now.adding(seconds: spread(intervals.finalConfirmation.seconds, random: random))
        }
        return now.adding(seconds: spread(intervals.interval(for: status).seconds, random: random))
    }

    /// The next poll after `failures` failures in a row (at least 1); a courier's Retry-After wins.
    package func nextAfterFailure(failures: Int, retryAfter: Double?, now: Timestamp, random: Double) -> Timestamp {
        if let retryAfter { return now.adding(seconds: retryAfter) }
        let exponent = Double(min(max(failures - 1, 0), 30))
        let backoff = min(maxBackoff.seconds, initialBackoff.seconds * pow2(exponent))
        return now.adding(seconds: spread(backoff, random: random))
    }

    /// `seconds` moved by up to ±jitter of itself; `random` is uniform in 0..<1.
    func spread(_ seconds: Double, random: Double) -> Double {
        seconds * (1 + jitter * (2 * random - 1))
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}
