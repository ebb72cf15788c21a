@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakSpool
@testable import LacakIntake
@testable import LacakPipeline
@testable import LacakDaemon

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
