import Dispatch
import Foundation
package import Logging
package import ServiceLifecycle
import UnixSignals
package import LacakSupport
package import LacakModel
package import LacakTransport
package import LacakConfig
package import LacakPipeline
package import LacakSpool
package import LacakStore

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

    enum Event: Sendable {
        case due
        case intake
        case rescan
        case reload
        case watchdog
        case intakeFinished(IntakeReport)
        case roundFinished(courier: String, PollReport, full: Bool)
        /// While the spool or state cannot be written: time to try again.
        case storageRetry
        /// The daemon cannot go on (its database was deleted or replaced).
        case fatal(String)
        case shutdown
    }

    /// Why the daemon stopped on its own.
    package struct Stopped: Error, CustomStringConvertible {
        package var description: String
    }

    /// Work running in the background: the intake, and one polling round per courier.
    private struct Running {
        var task: Task<Void, Never>
        var control: StopToken
    }

    /// The key of the intake task among the running work; courier ids never start with '#'.
    private static let intakeKey = "#intake"

    package func run() async throws {
        var pipeline = try TrackingPipeline(config: initialConfig, client: client, logger: logger)
        onConfig(initialConfig)
        do {
            try await pipeline.recover()
            await pipeline.reassignCouriers()
            try await pipeline.publish()
        } catch {
            logger.error("\(error)")
        }

        let (events, continuation) = AsyncStream<Event>.makeStream()
        let queue = DispatchQueue(label: "lacak.daemon.sources")
        let timer = WakeupTimer(queue: queue) { continuation.yield(.due) }
        var watcher = watch(pipeline.layout.incoming, queue: queue, continuation: continuation)
        var rescan = RepeatingTimer(every: .seconds(pipeline.config.daemon.intakeRescan.seconds), queue: queue) { continuation.yield(.rescan) }
        let watchdog = notifier.watchdogInterval.map { interval in
            RepeatingTimer(every: interval, queue: queue) { continuation.yield(.watchdog) }
        }
        // Trap SIGHUP before READY=1, so a reload right after start cannot kill the process.
        let hangupSignals = await UnixSignalsSequence(trapping: .sighup)
        let hangups = Task {
            for await _ in hangupSignals { continuation.yield(.reload) }
        }
        defer {
            timer.cancel()
            watcher?.cancel()
            rescan.cancel()
            watchdog?.cancel()
            hangups.cancel()
        }

        var running: [String: Running] = [:]
        var fatal: String?
        var intakeWanted = false
        var lastRounds: [String: PollReport] = [:]
        // Runs only while a store cannot be written, so the daemon at rest has no extra wakeups.
        var storageRetry: RepeatingTimer?
        defer { storageRetry?.cancel() }
        var lastHealth: String?

        func startIntake() {
            intakeWanted = false
            let current = pipeline
            let control = StopToken()
            running[Self.intakeKey] = Running(task: Task {
                let report = await current.ingest()
                continuation.yield(.intakeFinished(report))
            }, control: control)
        }

        /// Starts a round for every courier with due shipments that is not polling already.
        /// Each courier polls on its own, so a slow or failing one never holds up another.
        /// While state cannot be written, rounds wait for the storage retry (`retrying`): their
        /// results could not be kept, and starting at once would poll the couriers in a loop.
        func startDueRounds(retrying: Bool = false) async {
            do {
                try pipeline.store.verifyFile()
            } catch {
                continuation.yield(.fatal(error.description))
                return
            }
            if pipeline.health.state != nil, !retrying { return }
            await pipeline.raiseDueAlerts()
            let busy = Set(running.keys)
            let roundSize = pipeline.config.daemon.roundSize
            let groups: [String: [DueShipment]]
            do {
                groups = try await pipeline.dueShipments(limit: roundSize, lookahead: 1, excluding: busy)
            } catch {
                logger.error("\(error)")
                return
            }
            let current = pipeline
            for (courier, shipments) in groups where running[courier] == nil {
                let control = StopToken()
                let full = shipments.count >= roundSize
                running[courier] = Running(task: Task {
                    let report = await current.poll(shipments, stop: control)
                    continuation.yield(.roundFinished(courier: courier, report, full: full))
                }, control: control)
            }
        }

        /// Arms the timer for the earliest work no running round will pick up by itself.
        func armTimer() async {
            if pipeline.health.state != nil {
                timer.disarm()  // the storage retry takes over
                return
            }
            do {
                if let next = try await pipeline.nextWakeup(excluding: Set(running.keys)) {
                    timer.arm(at: next)
                } else {
                    timer.disarm()
                }
            } catch {
                logger.error("\(error)")
                timer.arm(at: Timestamp.now.adding(seconds: 30))
            }
        }

        /// Starts or stops the storage retry as problems appear and clear, and shows them in
        /// the status line.
        func followStorageHealth() async {
            let health = pipeline.health.summary(zone: pipeline.config.daemon.timeZone)
            if health != nil, storageRetry == nil {
                storageRetry = RepeatingTimer(every: .seconds(Self.storageRetrySeconds), queue: queue) { continuation.yield(.storageRetry) }
            } else if health == nil, let retry = storageRetry {
                retry.cancel()
                storageRetry = nil
            }
            if health != lastHealth {
                lastHealth = health
                notifier.status(await statusLine(pipeline, lastRounds))
            }
        }

        notifier.ready(status: await statusLine(pipeline, lastRounds))
        logger.info("lacakd started: \(pipeline.config.couriers.filter(\.enabled).count) courier(s), spool \(pipeline.layout.root)")
        startIntake()
        await startDueRounds()
        await armTimer()
        await followStorageHealth()

        await withGracefulShutdownHandler {
            loop: for await event in events {
                switch event {
                case .due:
                    await startDueRounds()
                    await armTimer()
                case .intake:
                    if running[Self.intakeKey] == nil { startIntake() } else { intakeWanted = true }
                case .rescan:
                    // Catches files no inotify event announced, and work another process
                    // (lacakd --check) scheduled since the timer was armed; and notices a
                    // database deleted or replaced even while nothing is due.
                    do {
                        try pipeline.store.verifyFile()
                    } catch {
                        continuation.yield(.fatal("\(error)"))
                    }
                    if running[Self.intakeKey] == nil, pipeline.hasPendingIntake() { startIntake() }
                    await armTimer()
                case .intakeFinished(let report):
                    running[Self.intakeKey] = nil
                    if report.files > 0 {
                        logger.info("intake: \(report.files) file(s), \(report.accepted) record(s) accepted (\(report.created) new, \(report.updated) updated), \(report.rejected) rejected")
                    }
                    // Storage failures are logged once per run of failures by the pipeline.
                    for error in report.errors { logger.debug("intake: \(error)") }
                    if intakeWanted { startIntake() }
                    // New orders are due at once.
                    await startDueRounds()
                    await armTimer()
                case .roundFinished(let courier, let report, let full):
                    running[courier] = nil
                    lastRounds[courier] = report
                    logRound(courier, report)
                    if full { await startDueRounds() }
                    await armTimer()
                    notifier.status(await statusLine(pipeline, lastRounds))
                case .storageRetry:
                    if pipeline.health.spool != nil { _ = try? await pipeline.publish() }
                    if pipeline.health.state != nil {
                        if running[Self.intakeKey] == nil, pipeline.hasPendingIntake() { startIntake() }
                        await startDueRounds(retrying: true)
                    }
                    await armTimer()
                case .reload:
                    notifier.reloading()
                    if let reloaded = reload(pipeline) {
                        pipeline = reloaded
                        onConfig(reloaded.config)
                        let moved = await pipeline.reassignCouriers()
                        if moved > 0 { logger.info("\(moved) shipment(s) now polled by another courier") }
                        watcher?.cancel()
                        watcher = watch(pipeline.layout.incoming, queue: queue, continuation: continuation)
                        rescan.cancel()
                        rescan = RepeatingTimer(every: .seconds(pipeline.config.daemon.intakeRescan.seconds), queue: queue) { continuation.yield(.rescan) }
                        if running[Self.intakeKey] == nil { startIntake() } else { intakeWanted = true }
                        await startDueRounds()
                        await armTimer()
                    }
                    notifier.ready(status: await statusLine(pipeline, lastRounds))
                case .watchdog:
                    // Ping only while the loop turns (it is turning now) and every running round
                    // still makes progress; a hung round lets systemd restart the service.
                    let stalled = running.values.map(\.control.sinceLastBeat).max()
                    if let stalled, let interval = notifier.watchdogInterval, stalled > interval * 2 {
                        logger.warning("no polling progress for \(stalled); withholding the watchdog ping")
                    } else {
                        notifier.watchdog()
                    }
                case .fatal(let message):
                    logger.critical("\(message)")
                    fatal = message
                    break loop
                case .shutdown:
                    break loop
                }
                await followStorageHealth()
            }
        } onGracefulShutdown: {
            continuation.yield(.shutdown)
        }

        notifier.stopping()
        if !running.isEmpty {
            logger.info("stopping: letting requests in flight finish")
            for work in running.values { work.control.raise() }
            let bound = pipeline.config.daemon.shutdownTimeout.seconds
            let deadline = ContinuousClock.now + .seconds(bound)
            for work in running.values {
                let remaining = max(0, (deadline - ContinuousClock.now).seconds)
                if !(await Self.wait(for: work.task, seconds: remaining)) {
                    logger.warning("requests still in flight after \(bound)s were abandoned; their shipments stay due")
                }
            }
        }
        do {
            try await pipeline.publish()
        } catch {
            logger.error("\(error)")
        }
        continuation.finish()
        if let fatal { throw Stopped(description: fatal) }
        logger.info("lacakd stopped")
    }

    /// Starts watching `incoming/`; nil (logged) when inotify is unavailable.
    private func watch(_ directory: String, queue: DispatchQueue, continuation: AsyncStream<Event>.Continuation) -> DirectoryWatcher? {
        do {
            return try DirectoryWatcher(path: directory, queue: queue) { continuation.yield(.intake) }
        } catch {
            logger.warning("\(error); relying on the periodic rescan")
            return nil
        }
    }

    /// Reads the config again; nil (and the error logged) when it is not valid.
    private func reload(_ current: TrackingPipeline) -> TrackingPipeline? {
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

    private func logRound(_ courier: String, _ poll: PollReport) {
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

    private func statusLine(_ pipeline: TrackingPipeline, _ rounds: [String: PollReport]) async -> String {
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
    private static func wait<T: Sendable>(for task: Task<T, Never>, seconds: Double) async -> Bool {
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
