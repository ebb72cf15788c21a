import Dispatch
import Foundation
import Logging
import LacakModel
import LacakConfig
import LacakPipeline
import LacakSpool
import LacakStore
import LacakSupport

/// The I/O half of `lacakd run`: owns the pipeline, the Dispatch sources and the running work,
/// turns each signal into a `DaemonStateMachine` event with the facts it needs, and performs
/// the actions the machine returns.
///
/// Confined to the daemon's run task: `Daemon.run()` creates it and calls it from its one loop,
/// so its state needs no lock. The sources only yield to the stream; tasks it starts report back
/// through the stream too.
final class DaemonLoop {
    /// Work running in the background: the intake, or one courier's round.
    private struct Work {
        var task: Task<Void, Never>
        var control: StopToken
    }

    private let daemon: Daemon
    private var pipeline: TrackingPipeline
    private let continuation: AsyncStream<Daemon.Signal>.Continuation
    private let queue = DispatchQueue(label: "lacak.daemon.sources")
    private let timer: WakeupTimer
    private var watcher: DirectoryWatcher?
    private var rescan: RepeatingTimer
    /// Looks whether an order source is due, every shortest source interval; nil without sources.
    private var sourceTimer: RepeatingTimer?
    private let watchdog: RepeatingTimer?
    /// Runs only while a store cannot be written, so the daemon at rest has no extra wakeups.
    private var storageRetry: RepeatingTimer?
    private var work: [String: Work] = [:]
    private(set) var machine = DaemonStateMachine()

    private var logger: Logger { daemon.logger }

    init(daemon: Daemon, pipeline: TrackingPipeline, continuation: AsyncStream<Daemon.Signal>.Continuation) {
        self.daemon = daemon
        self.pipeline = pipeline
        self.continuation = continuation
        timer = WakeupTimer(queue: queue) { continuation.yield(.due) }
        rescan = Self.rescanTimer(pipeline, queue: queue, continuation: continuation)
        watchdog = daemon.notifier.watchdogInterval.map { [queue] interval in
            RepeatingTimer(every: interval, queue: queue) { continuation.yield(.watchdog) }
        }
        watcher = daemon.watch(pipeline.layout.incoming, queue: queue, continuation: continuation)
        sourceTimer = Self.sourceTimer(pipeline, queue: queue, continuation: continuation)
    }

    private static func sourceTimer(_ pipeline: TrackingPipeline, queue: DispatchQueue, continuation: AsyncStream<Daemon.Signal>.Continuation) -> RepeatingTimer? {
        guard let seconds = pipeline.sourceCheckInterval else { return nil }
        return RepeatingTimer(every: .seconds(seconds), queue: queue) { continuation.yield(.sourcesDue) }
    }

    private static func rescanTimer(_ pipeline: TrackingPipeline, queue: DispatchQueue, continuation: AsyncStream<Daemon.Signal>.Continuation) -> RepeatingTimer {
        RepeatingTimer(every: .seconds(pipeline.config.daemon.intakeRescan.seconds), queue: queue) { continuation.yield(.rescan) }
    }

    func cancelSources() {
        timer.cancel()
        watcher?.cancel()
        rescan.cancel()
        sourceTimer?.cancel()
        watchdog?.cancel()
        storageRetry?.cancel()
    }

    /// Whether the daemon has order sources to pull (the first pull starts with the daemon).
    var hasSources: Bool { pipeline.hasSources }

    /// Gathers the facts a signal needs and hands it to the machine.
    func take(_ signal: Daemon.Signal) async {
        switch signal {
        case .due: await handle(.due)
        case .intake: await handle(.intakeNoticed)
        case .rescan:
            // Notices a database deleted or replaced even while nothing is due.
            if let problem = databaseProblem() { return await handle(.fatal(problem)) }
            await handle(.rescan(pendingIntake: pipeline.hasPendingIntake()))
        case .intakeFinished(let report):
            work[DaemonStateMachine.intakeKey] = nil
            await handle(.intakeFinished(report))
        case .sourcesDue:
            await handle(.sourcesDue)
        case .sourcesFinished(let reports):
            work[DaemonStateMachine.sourcesKey] = nil
            await handle(.sourcesFinished(reports))
        case .roundFinished(let courier, let report, let full):
            work[courier] = nil
            await handle(.roundFinished(courier: courier, report, full: full))
        case .storageRetry:
            await handle(.storageRetry(spoolFailing: pipeline.health.spool != nil, stateFailing: pipeline.health.state != nil,
                                       pendingIntake: pipeline.hasPendingIntake()))
        case .reload:
            daemon.notifier.reloading()
            await handle(.reloaded(applied: await reload()))
        case .watchdog:
            await handle(.watchdog(stalledFor: work.values.map(\.control.sinceLastBeat).max(), interval: daemon.notifier.watchdogInterval))
        case .fatal(let message): await handle(.fatal(message))
        case .shutdown: await handle(.shutdown)
        }
    }

    /// Hands an event to the machine, performs its actions, then reports the storage health.
    func handle(_ event: DaemonStateMachine.Event) async {
        for action in machine.handle(event) { await perform(action) }
        guard machine.isRunning else { return }
        for action in machine.handle(.health(summary: pipeline.health.summary(zone: pipeline.config.daemon.timeZone))) {
            await perform(action)
        }
    }

    private func perform(_ action: DaemonStateMachine.Action) async {
        switch action {
        case .startIntake:
            let current = pipeline
            let continuation = continuation
            work[DaemonStateMachine.intakeKey] = Work(task: Task {
                let report = await current.ingest()
                continuation.yield(.intakeFinished(report))
            }, control: StopToken())
        case .startSourcePull:
            let current = pipeline
            let continuation = continuation
            let control = StopToken()
            work[DaemonStateMachine.sourcesKey] = Work(task: Task {
                let reports = await current.pullSources(stop: control)
                continuation.yield(.sourcesFinished(reports))
            }, control: control)
        case .logSources(let reports):
            for report in reports where report.orders > 0 || report.tokenRefreshed {
                logger.info("source \(report.source): \(report.orders) order(s) in \(report.pages) page(s) (\(report.created) new, \(report.updated) updated)\(report.tokenRefreshed ? ", access token refreshed" : "")")
            }
            for report in reports {
                if let seconds = report.deferredSeconds { logger.info("source \(report.source): paused by its rate limit for \(Int(seconds.rounded(.up)))s") }
            }
        case .startDueRounds(let retrying):
            await startDueRounds(retrying: retrying)
        case .armTimer:
            // Read now, not when the event arrived: a commit or publish may just have changed it.
            if pipeline.health.state != nil {
                timer.disarm()  // the storage retry takes over
                return
            }
            do {
                if let next = try await pipeline.nextWakeup(excluding: runningCouriers) {
                    timer.arm(at: next)
                } else {
                    timer.disarm()
                }
            } catch {
                logger.error("\(error)")
                timer.arm(at: Timestamp.now.adding(seconds: 30))
            }
        case .publish:
            _ = try? await pipeline.publish()
        case .logIntake(let report):
            if report.files > 0 {
                logger.info("intake: \(report.files) file(s), \(report.accepted) record(s) accepted (\(report.created) new, \(report.updated) updated), \(report.rejected) rejected")
            }
            // Storage failures are logged once per run of failures by the pipeline.
            for error in report.errors { logger.debug("intake: \(error)") }
        case .logRound(let courier, let report):
            daemon.logRound(courier, report)
        case .startStorageRetry:
            let continuation = continuation
            storageRetry = RepeatingTimer(every: .seconds(Daemon.storageRetrySeconds), queue: queue) { continuation.yield(.storageRetry) }
        case .stopStorageRetry:
            storageRetry?.cancel()
            storageRetry = nil
        case .updateStatus:
            daemon.notifier.status(await daemon.statusLine(pipeline, machine.lastRounds))
        case .announceReady:
            daemon.notifier.ready(status: await daemon.statusLine(pipeline, machine.lastRounds))
        case .pingWatchdog:
            daemon.notifier.watchdog()
        case .withholdWatchdog(let stalled):
            logger.warning("no polling progress for \(stalled); withholding the watchdog ping")
        case .finish(let fatal):
            if let fatal { logger.critical("\(fatal)") }
        }
    }

    /// Starts a round for every courier with due shipments that is not polling already. Each
    /// courier polls on its own, so a slow or failing one never holds up another. While state
    /// cannot be written only the storage retry polls (`retrying`).
    private func startDueRounds(retrying: Bool) async {
        if let problem = databaseProblem() {
            continuation.yield(.fatal(problem))
            return
        }
        if pipeline.health.state != nil, !retrying { return }
        await pipeline.raiseDueAlerts()
        let roundSize = pipeline.config.daemon.roundSize
        let groups: [CourierID?: [DueShipment]]
        do {
            groups = try await pipeline.dueShipments(limit: roundSize, lookahead: 1, excluding: runningCouriers)
        } catch {
            logger.error("\(error)")
            return
        }
        let current = pipeline
        let continuation = continuation
        var started: [String] = []
        for (courierID, shipments) in groups {
            // Work is named by courier id; "" is the round of packages no courier polls.
            let courier = courierID?.rawValue ?? ""
            guard work[courier] == nil else { continue }
            let control = StopToken()
            let full = shipments.count >= roundSize
            work[courier] = Work(task: Task {
                let report = await current.poll(shipments, stop: control)
                continuation.yield(.roundFinished(courier: courier, report, full: full))
            }, control: control)
            started.append(courier)
        }
        _ = machine.handle(.roundsStarted(started))
    }

    /// The couriers whose rounds are running (nil: the round of packages no courier polls),
    /// for the pipeline to leave out.
    private var runningCouriers: Set<CourierID?> {
        var couriers: Set<CourierID?> = []
        // Keys of other work start with '#' (the intake, the source pull); courier ids never do.
        for key in machine.running where !key.hasPrefix("#") {
            couriers.insert(key.isEmpty ? nil : CourierID(trusted: key))
        }
        return couriers
    }

    /// The database file lacak opened was deleted or replaced: nothing more can be kept.
    private func databaseProblem() -> String? {
        do {
            try pipeline.store.verifyFile()
            return nil
        } catch {
            return error.description
        }
    }

    /// Puts a new configuration in service; false (logged) when it is not valid.
    private func reload() async -> Bool {
        guard let reloaded = daemon.reload(pipeline) else { return false }
        pipeline = reloaded
        daemon.onConfig(reloaded.config)
        let moved = await pipeline.reassignCouriers()
        if moved > 0 { logger.info("\(moved) shipment(s) now polled by another courier") }
        watcher?.cancel()
        watcher = daemon.watch(pipeline.layout.incoming, queue: queue, continuation: continuation)
        rescan.cancel()
        rescan = Self.rescanTimer(pipeline, queue: queue, continuation: continuation)
        sourceTimer?.cancel()
        sourceTimer = Self.sourceTimer(pipeline, queue: queue, continuation: continuation)
        return true
    }

    /// Stops the running work within the shutdown timeout and publishes what it committed.
    func finish() async {
        daemon.notifier.stopping()
        if !work.isEmpty {
            logger.info("stopping: letting requests in flight finish")
            for item in work.values { item.control.raise() }
            let bound = pipeline.config.daemon.shutdownTimeout.seconds
            let deadline = ContinuousClock.now + .seconds(bound)
            for item in work.values {
                let remaining = max(0, (deadline - ContinuousClock.now).seconds)
                if !(await Daemon.wait(for: item.task, seconds: remaining)) {
                    logger.warning("requests still in flight after \(bound)s were abandoned; their shipments stay due")
                }
            }
        }
        do {
            try await pipeline.publish()
        } catch {
            logger.error("\(error)")
        }
    }
}
