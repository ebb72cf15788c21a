package import LacakModel
package import LacakConfig

extension PollSchedule {
    /// The schedule of one courier: the daemon's intervals with the courier's overrides.
    package init(daemon: DaemonSettings, courier: CourierSettings?) {
        self.init(intervals: daemon.pollIntervals.merging(courier?.pollIntervals), jitter: daemon.jitter,
                  initialBackoff: daemon.initialBackoff, maxBackoff: daemon.maxBackoff)
    }
}
