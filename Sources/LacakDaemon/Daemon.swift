import Dispatch
import Foundation
package import Logging
import ServiceLifecycle
import UnixSignals
import LacakModel
package import LacakTransport
package import LacakConfig
import LacakPipeline
import LacakSpool
import LacakStore
import LacakSupport

/// `lacakd run`: the tracking pipeline, forever, woken by Dispatch sources.
///
/// One event loop owns all state. Dispatch sources feed it events: a timer armed for the
/// earliest due time (found through SQLite's partial index on `next_check`, so finding due work
/// costs the same with ten or a million idle shipments), an inotify watch on `incoming/`, a
/// slow rescan timer, the watchdog timer and SIGHUP. When nothing is due the process sleeps.
/// Rounds run `TrackingPipeline` exactly as `--check` does; only their timing differs.
package final class Daemon: Service, Sendable {
    /// Where the config is read from, for reloads.
    let configPath: String
    let initialConfig: LacakConfig
    let client: HTTPClient
    let logger: Logger
    let notifier: SystemdNotifier
    /// Called with every configuration that is put into service (the first and each reload).
    let onConfig: @Sendable (LacakConfig) -> Void

    package init(configPath: String, config: LacakConfig, client: HTTPClient, logger: Logger,
                notifier: SystemdNotifier = SystemdNotifier(), onConfig: @escaping @Sendable (LacakConfig) -> Void = { _ in }) {
        self.configPath = configPath
        self.initialConfig = config
        self.client = client
        self.logger = logger
        self.notifier = notifier
        self.onConfig = onConfig
    }

    /// What the Dispatch sources, signals and finished work put on the loop's stream; the loop
    /// adds the facts the state machine needs and hands it on.
    enum Signal: Sendable {
        case due
        case intake
        case rescan
        case reload
        case watchdog
        case intakeFinished(IntakeReport)
        case sourcesDue
        case sourcesFinished([SourceReport])
        case roundFinished(courier: String, PollReport, full: Bool)
        case storageRetry
        case fatal(String)
        case shutdown
    }

    /// Why the daemon stopped on its own.
    package struct Stopped: Error, CustomStringConvertible {
        package var description: String
    }

    package func run() async throws {
        let pipeline = try TrackingPipeline(config: initialConfig, client: client, logger: logger)
        onConfig(initialConfig)
        do {
            try await pipeline.recover()
            await pipeline.reassignCouriers()
            try await pipeline.publish()
        } catch {
            logger.error("\(error)")
        }
        let (signals, continuation) = AsyncStream<Signal>.makeStream()
        let loop = DaemonLoop(daemon: self, pipeline: pipeline, continuation: continuation)
        // Trap SIGHUP before READY=1, so a reload right after start cannot kill the process.
        let hangupSignals = await UnixSignalsSequence(trapping: .sighup)
        let hangups = Task {
            for await _ in hangupSignals { continuation.yield(.reload) }
        }
        defer {
            loop.cancelSources()
            hangups.cancel()
        }
        logger.info("lacakd started: \(pipeline.config.couriers.filter(\.enabled).count) courier(s), \(pipeline.config.sources.count) order source(s), spool \(pipeline.layout.root)")
        var fatal: String?
        await loop.handle(.started)
        if loop.hasSources { continuation.yield(.sourcesDue) }
        await withGracefulShutdownHandler {
            for await signal in signals {
                await loop.take(signal)
                if case .stopping(let reason) = loop.machine.phase {
                    fatal = reason
                    break
                }
            }
        } onGracefulShutdown: {
            continuation.yield(.shutdown)
        }
        await loop.finish()
        continuation.finish()
        if let fatal { throw Stopped(description: fatal) }
        logger.info("lacakd stopped")
    }

    /// Starts watching `incoming/`; nil (logged) when inotify is unavailable.
    func watch(_ directory: String, queue: DispatchQueue, continuation: AsyncStream<Signal>.Continuation) -> DirectoryWatcher? {
        do {
            return try DirectoryWatcher(path: directory, queue: queue) { continuation.yield(.intake) }
        } catch {
            logger.warning("\(error); relying on the periodic rescan")
            return nil
        }
    }

    /// Reads the config again; nil (and the error logged) when it is not valid.
    func reload(_ current: TrackingPipeline) -> TrackingPipeline? {
        do {
            let config = try ConfigLoader().load(path: configPath)
            let pipeline = try TrackingPipeline(config: config, client: client, logger: logger, previous: current)
            logger.info("configuration reloaded from \(configPath): \(config.couriers.filter(\.enabled).map(\.id).joined(separator: ", "))")
            return pipeline
        } catch {
            logger.error("reload failed, keeping the running configuration: \(error)")
            return nil
        }
    }

    func logRound(_ courier: String, _ poll: PollReport) {
        if poll.polled > 0 || poll.unassigned > 0 {
            let deferred = poll.couriers.values.reduce(0) { $0 + $1.deferred }
            let name = courier.isEmpty ? "unassigned" : courier
            logger.info("\(name): polled \(poll.polled) (\(poll.changed) changed, \(poll.failed) failed\(deferred > 0 ? ", \(deferred) deferred" : "")) in \(String(format: "%.1f", poll.seconds))s")
        }
        // Storage failures are logged once per run of failures by the pipeline.
        for error in poll.errors { logger.debug("\(error)") }
    }

    /// How often to try the spool or state again while it cannot be written.
    static let storageRetrySeconds = 5.0

    func statusLine(_ pipeline: TrackingPipeline, _ rounds: [String: PollReport]) async -> String {
        let active = (try? await pipeline.store.read("count active shipments") { try $0.activeShipmentCount() }) ?? 0
        let couriers = pipeline.config.couriers.filter(\.enabled).count
        var line = "tracking \(active) shipment(s) with \(couriers) courier(s)"
        if !rounds.isEmpty {
            let polled = rounds.values.reduce(0) { $0 + $1.polled }
            let failed = rounds.values.reduce(0) { $0 + $1.failed }
            let time = Timestamp.now.iso8601(in: pipeline.config.daemon.timeZone)
            line += "; last poll \(time.prefix(19).suffix(8)): \(polled) polled, \(failed) failed in the latest round of each courier"
        }
        if let problems = pipeline.health.summary(zone: pipeline.config.daemon.timeZone) {
            line = problems + "; " + line
        }
        return line
    }

    /// Waits for a task to finish; after `seconds` cancels it (aborting its transfers) and waits
    /// for it to wind down. True when it finished in time.
    static func wait<T: Sendable>(for task: Task<T, Never>, seconds: Double) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = await task.value
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return false
            }
            let first = await group.next() ?? false
            if !first { task.cancel() }
            group.cancelAll()
            return first
        }
    }
}
