package import Foundation

extension Duration {
    /// The duration as floating-point seconds.
    package var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// The duration for a Dispatch timer or `asyncAfter` (negative durations count as zero).
    package var dispatchInterval: DispatchTimeInterval {
        let parts = components
        return .nanoseconds(Int(max(0, parts.seconds) * 1_000_000_000 + max(0, parts.attoseconds) / 1_000_000_000))
    }
}
