import Dispatch
import Foundation
import LacakSpool
import LacakSupport

/// One Dispatch timer that fires at a wall-clock moment, re-armed for each next deadline.
///
/// The daemon keeps exactly one of these armed for the earliest due poll, so when nothing is
/// due the process sleeps.
final class WakeupTimer: @unchecked Sendable {
    // @unchecked: a DispatchSource is thread-safe; scheduling and cancelling it from any
    // thread is documented as safe, and the type has no other state.
    private let source: any DispatchSourceTimer

    init(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: queue)
        source.setEventHandler(handler: handler)
        source.schedule(wallDeadline: .distantFuture)
        source.activate()
    }

    /// Fires once at `time` (immediately when it has passed), replacing any earlier arming.
    func arm(at time: Timestamp) {
        let seconds = time.milliseconds.floorDivided(by: 1000)
        let nanoseconds = Int((time.milliseconds - seconds * 1000) * 1_000_000)
        let deadline = DispatchWallTime(timespec: timespec(tv_sec: Int(seconds), tv_nsec: nanoseconds))
        source.schedule(wallDeadline: deadline, leeway: .milliseconds(50))
    }

    func disarm() {
        source.schedule(wallDeadline: .distantFuture)
    }

    func cancel() {
        source.cancel()
    }
}

/// A Dispatch timer firing every `interval` (intake rescans, watchdog pings).
final class RepeatingTimer: @unchecked Sendable {
    // @unchecked: see `WakeupTimer`.
    private let source: any DispatchSourceTimer

    init(every interval: Duration, queue: DispatchQueue, handler: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + interval.dispatchInterval, repeating: interval.dispatchInterval, leeway: .milliseconds(100))
        source.setEventHandler(handler: handler)
        source.activate()
    }

    func cancel() {
        source.cancel()
    }
}

/// Watches a directory with inotify through a Dispatch read source, so a file dropped or
/// renamed into `incoming/` is noticed at once rather than at the next scan.
final class DirectoryWatcher: @unchecked Sendable {
    // @unchecked: the inotify descriptor is only read in the source's handler on its serial
    // queue and closed by the source's cancel handler on that same queue.
    private let source: any DispatchSourceRead

    init(path: String, queue: DispatchQueue, handler: @escaping @Sendable () -> Void) throws(SpoolError) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw SpoolError(operation: "watch \(path)", errno: errno) }
        let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO)
        guard inotify_add_watch(fd, path, mask) >= 0 else {
            let code = errno
            close(fd)
            throw SpoolError(operation: "watch \(path)", errno: code)
        }
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler {
            // Drain every queued event; one wakeup per burst is enough.
            var buffer = [UInt8](repeating: 0, count: 4096)
            while buffer.withUnsafeMutableBytes({ Glibc.read(fd, $0.baseAddress, $0.count) }) > 0 {}
            handler()
        }
        source.setCancelHandler { close(fd) }
        source.activate()
    }

    func cancel() {
        source.cancel()
    }
}
