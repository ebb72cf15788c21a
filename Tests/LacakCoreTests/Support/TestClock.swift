@testable import LacakSupport
@testable import LacakConfig

/// A clock a test moves by hand, for schedules measured in hours and days.
final class TestClock: Sendable {
    private let current: LockBox<Timestamp>

    init(_ start: Timestamp = Timestamp(seconds: 1_785_915_000)) {
        current = LockBox(start)
    }

    var now: Timestamp { current.withLock { $0 } }

    func advance(seconds: Double) {
        current.withLock { $0 = $0.adding(seconds: seconds) }
    }

    /// The closure `TrackingPipeline` takes.
    var function: @Sendable () -> Timestamp { { [self] in self.now } }
}
