import Dispatch
import Foundation
package import Logging
package import LacakSupport
package import LacakModel
package import LacakTransport
package import LacakStore
package import LacakConfig
import LacakCouriers
package import LacakSpool
import LacakIntake
import LacakTikTokShop

/// The whole tracking cycle — intake, polling, normalising, committing, publishing — shared
/// unchanged by `lacakd --check` and the daemon.
package final class TrackingPipeline: Sendable {
    package let config: LacakConfig
    package let store: any StateStore
    package let layout: SpoolLayout
    let client: HTTPClient
    /// Which configured courier polls each shipment, with fallback and reassignment; holds each
    /// enabled courier's adapter and gate.
    let router: CourierRouter
    /// Seconds beyond now past which a `next_check` is due at once (see `farAhead(of:)`);
    /// fixed by the config, so worked out once.
    let farAheadSeconds: Double
    let updater: OrderUpdater
    let scanner: IntakeScanner
    /// The order sources (`[[source]]`), each with its own gate.
    let sources: [OrderSourcePuller]
    /// When each source last pulled, kept across reloads, so each keeps its own interval.
    let lastPulls: LockBox<[String: Timestamp]>
    let publisher: SpoolPublisher
    let logger: Logger
    /// Whether the spool and the state database can be written; kept across reloads.
    package let health: StorageHealth
    let clock: @Sendable () -> Timestamp
    /// Longest a request waits for its courier's rate limit or Retry-After within one round;
    /// longer waits defer the shipment to a later round instead.
    let maxAdmissionWait: Duration

    /// Builds the pipeline for `config`. With `previous` (a config reload), the open state and the
    /// gates of couriers whose limits did not change are kept, so a reload loses no pause or
    /// rate-limit budget.
    package init(config: LacakConfig, client: HTTPClient, logger: Logger, previous: TrackingPipeline? = nil,
                clock: @escaping @Sendable () -> Timestamp = { .now }, maxAdmissionWait: Duration = .seconds(30)) throws(PipelineError) {
        self.config = config
        self.client = client
        self.logger = logger
        self.clock = clock
        self.maxAdmissionWait = maxAdmissionWait
        health = previous?.health ?? StorageHealth()
        // A reload cannot move the daemon to other directories: it would silently start on an
        // empty database, or leave the old spool's outbox undelivered.
        if let previous {
            for (key, old, new) in [("state_dir", previous.config.daemon.stateDirectory, config.daemon.stateDirectory),
                                    ("spool_dir", previous.config.daemon.spoolDirectory, config.daemon.spoolDirectory)] where old != new {
                throw .restartNeeded("\(config.file): daemon.\(key) changed from \(old) to \(new); a reload keeps the old one, restart lacakd to move")
            }
        }
        layout = SpoolLayout(root: config.daemon.spoolDirectory)
        do {
            try layout.create()
            if let previous {
                store = previous.store
            } else {
                store = try SQLiteStateStore(directory: config.daemon.stateDirectory)
            }
        } catch let error as SpoolError {
            throw .spool(error)
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .store(StoreError(operation: "open", message: "\(error)"))
        }
        var adapters: [CourierID: any CourierAdapter] = [:]
        var gates: [CourierID: CourierGate] = [:]
        for courier in config.couriers where courier.enabled {
            do {
                adapters[courier.courierID] = try AdapterFactory.make(courier, daemon: config.daemon)
            } catch {
                throw .adapter(courier: courier.id, error)
            }
            if let previous, let old = previous.config.courier(id: courier.id), let gate = previous.router.gates[courier.courierID],
               old.rateLimit == courier.rateLimit, old.burst == courier.burst {
                gates[courier.courierID] = gate
            } else {
                gates[courier.courierID] = CourierGate(courier: courier, daemon: config.daemon)
            }
        }
        updater = OrderUpdater(config: config)
        farAheadSeconds = Self.farAheadSeconds(config.daemon, couriers: config.couriers)
        router = CourierRouter(directory: updater.directory, adapters: adapters, gates: gates)
        sources = config.sources.map { settings in
            // A reload keeps the gate (its pause and rate budget) of a source whose limits stay.
            let kept = previous?.sources.first { $0.settings.id == settings.id && $0.settings.rateLimit == settings.rateLimit && $0.settings.burst == settings.burst }
            return OrderSourcePuller(settings: settings, stateDirectory: config.daemon.stateDirectory, zone: config.daemon.timeZone,
                                     providers: config.tiktokShop.providers, client: client, logger: logger, gate: kept?.gate,
                                     maxWait: maxAdmissionWait, initialBackoff: config.daemon.initialBackoff.seconds, maxBackoff: config.daemon.maxBackoff.seconds)
        }
        lastPulls = previous?.lastPulls ?? LockBox([:])
        scanner = IntakeScanner(layout: layout, maxFileBytes: config.daemon.maxIntakeFileBytes.bytes,
                                tables: SellerCenterExport(settings: config.tiktokShop, defaultZone: config.daemon.timeZone))
        publisher = SpoolPublisher(layout: layout, store: store, zone: config.daemon.timeZone,
                                   courierNames: updater.courierNames, lockDirectory: config.daemon.stateDirectory,
                                   note: { [logger] message in logger.warning("\(message)") })
    }

    // MARK: Intake

    /// Reads every complete file in `incoming/`, commits its good records, and removes the file
    /// or moves it to `rejected/`.
    package func ingest() async -> IntakeReport {
        var report = IntakeReport()
        for name in scanner.pendingFiles() {
            guard let item = await offload({ [scanner] in scanner.read(name) }) else {
                report.deferred += 1
                continue
            }
            report.files += 1
            let records = item.parsed.records.map(\.record)
            let updater = updater
            let now = clock()
            do {
                let effects = try await store.write("store orders from \(name)") { transaction in
                    try records.map { try updater.apply($0, in: transaction, now: now) }
                }
                health.logWorked(.state, to: logger)
                report.created += effects.filter(\.created).count
                report.updated += effects.filter(\.changed).count
                report.notifications += effects.reduce(0) { $0 + $1.notifications }
                CrashPoint.reached("intake.after-commit")
                let disposition = try await offload { [scanner] () throws(SpoolError) -> IntakeScanner.Disposition in
                    try scanner.finish(item, now: now, zone: self.config.daemon.timeZone)
                }
                report.accepted += records.count
                if case .rejected(let count) = disposition {
                    report.rejected += count
                    logger.warning("intake: \(count) record(s) of \(name) rejected; see rejected/\(name).error")
                }
            } catch let error as StoreError {
                // The file stays in incoming/ and is read again once state can be written.
                report.errors.append("\(name): \(error)")
                health.logFailure(.state, error.description, to: logger)
            } catch {
                report.errors.append("\(name): \(error)")
                health.logFailure(.spool, "\(error)", to: logger)
            }
        }
        return report
    }

    /// Whether `incoming/` holds files to read (a directory listing, no parsing).
    package func hasPendingIntake() -> Bool {
        !scanner.pendingFiles().isEmpty
    }

    // MARK: Polling

    /// Polls the shipments due now (at most `limit`), or every one still tracked when `all`.
    package func pollDue(all: Bool = false, limit: Int = 10_000_000, stop: StopToken = StopToken()) async -> PollReport {
        let now = clock()
        let farAhead = farAhead(of: now)
        do {
            let due = try await store.read("find due shipments") { try $0.dueShipments(now: now, all: all, limit: limit, excluding: [], farAhead: farAhead) }
            return await poll(due, stop: stop)
        } catch {
            var report = PollReport()
            report.errors.append(error.description)
            logger.error("\(error)")
            return report
        }
    }

    /// The shipments due within `lookahead` seconds, at most `limit`, grouped by the courier that
    /// polls them (nil for none), leaving out the couriers in `excluding`.
    package func dueShipments(limit: Int, lookahead: Double = 0, excluding: Set<CourierID?> = []) async throws(StoreError) -> [CourierID?: [DueShipment]] {
        let now = clock()
        let horizon = now.adding(seconds: lookahead)
        let farAhead = farAhead(of: now)
        let due = try await store.read("find due shipments") { try $0.dueShipments(now: horizon, all: false, limit: limit, excluding: excluding, farAhead: farAhead) }
        return Dictionary(grouping: due) { router.courierID(for: $0) }
    }

    /// Later than any `next_check` this config can set from `now`: the longest poll interval,
    /// confirmation or backoff (Retry-After is clamped to `retry_max`), with jitter, plus a
    /// margin. A shipment due later than this is due now (the clock was corrected backwards).
    func farAhead(of now: Timestamp) -> Timestamp {
        now.adding(seconds: farAheadSeconds)
    }

    private static func farAheadSeconds(_ daemon: DaemonSettings, couriers: [CourierSettings]) -> Double {
        var longest = max(daemon.maxBackoff.seconds * 1.1, daemon.pollIntervals.finalConfirmation.seconds)
        for courier in couriers {
            let intervals = daemon.pollIntervals.merging(courier.pollIntervals)
            longest = max(longest, intervals.finalConfirmation.seconds, intervals.byStatus.values.map(\.seconds).max() ?? 0)
        }
        longest = max(longest, daemon.pollIntervals.byStatus.values.map(\.seconds).max() ?? 0)
        return longest * (1 + daemon.jitter) + 3600
    }

    /// Polls these shipments: each courier's share goes through its own workers, paced by its
    /// gate, and results are committed (and published) in batches as they arrive. Once `stop`
    /// is raised no new request starts; those in flight finish and are committed.
    package func poll(_ shipments: [DueShipment], stop: StopToken = StopToken()) async -> PollReport {
        let started = ContinuousClock.now
        var report = PollReport()
        let (byCourier, unassigned) = router.assign(shipments)
        if !unassigned.isEmpty {
            report.unassigned = unassigned.count
            await postponeUnassigned(unassigned, report: &report)
            do {
                try await publish()
            } catch {
                report.errors.append(error.description)
            }
        }

        let sink = ResultSink()
        let resultCommitter = ResultCommitter(store: store, updater: updater, health: health, logger: logger, clock: clock,
                                              publish: { () async throws(SpoolError) in try await self.publish() })
        let committer = Task { await resultCommitter.run(from: sink, stop: stop) }
        await withTaskGroup(of: Void.self) { group in
            for (courierID, list) in byCourier {
                guard let adapter = router.adapters[courierID], let gate = router.gates[courierID] else { continue }
                let round = CourierRound(courierID: courierID, adapter: adapter, gate: gate, client: client, router: router,
                                         maxAdmissionWait: maxAdmissionWait, retryLimit: config.daemon.maxBackoff.seconds, logger: logger)
                group.addTask { await round.run(list, sink: sink, stop: stop) }
            }
        }
        await sink.close()
        let committed = await committer.value
        for (courierID, tally) in committed.tallies { report.couriers[courierID.rawValue] = tally }
        for courierID in byCourier.keys where report.couriers[courierID.rawValue] == nil { report.couriers[courierID.rawValue] = CourierTally() }
        report.uncommitted = committed.uncommitted
        report.errors += committed.errors
        report.seconds = (ContinuousClock.now - started).seconds
        return report
    }

    private func postponeUnassigned(_ shipments: [DueShipment], report: inout PollReport) async {
        let updater = updater
        let now = clock()
        do {
            try await store.write("postpone unassigned shipments") { transaction in
                for shipment in shipments {
                    let reason = "no configured courier serves '\(shipment.courierCode?.rawValue ?? "(none given)")'"
                    try updater.postpone(shipment, reason: reason, in: transaction, now: now, random: Double.random(in: 0..<1))
                }
            }
            logger.warning("\(shipments.count) shipment(s) have no configured courier; set `courier` in intake or add a courier whose `codes` list it")
        } catch {
            report.errors.append(error.description)
            health.logFailure(.state, error.description, to: logger)
        }
    }

    // MARK: Alerts and scheduling

    /// Raises the late-dispatch alerts that are due.
    @discardableResult
    package func raiseDueAlerts() async -> Int {
        let updater = updater
        let now = clock()
        do {
            // Most calls find nothing: look before taking the write lock.
            let due = try await store.read("find late-dispatch alerts") { try $0.dueDispatchAlerts(now: now, limit: 10_000) }
            guard !due.isEmpty else { return 0 }
            return try await store.write("raise late-dispatch alerts") { transaction in
                var notifications = 0
                for orderID in due {
                    notifications += try updater.alertLateDispatch(orderID, in: transaction, now: now).notifications
                }
                return notifications
            }
        } catch {
            logger.error("\(error)")
            return 0
        }
    }

    /// When the next poll or alert is due, leaving out the couriers in `excluding`; nil when
    /// nothing is scheduled.
    package func nextWakeup(excluding: Set<CourierID?> = []) async throws(StoreError) -> Timestamp? {
        let farAhead = farAhead(of: clock())
        return try await store.read("find the next due time") { try $0.nextWakeup(excluding: excluding, farAhead: farAhead) }
    }

    // MARK: Publishing

    /// Writes stale snapshots and delivers pending notifications (exactly once).
    ///
    /// A failure leaves the notifications in the outbox; it is logged once per run of failures
    /// and shown by `health` until a publish works again.
    @discardableResult
    package func publish() async throws(SpoolError) -> SpoolPublisher.Report {
        do {
            let report = try await offload { [publisher] () throws(SpoolError) -> SpoolPublisher.Report in try publisher.publish() }
            health.logWorked(.spool, to: logger)
            // A state problem found by publishing (its lock could not be opened) ends with it.
            if health.state?.message.hasPrefix("state: cannot open lock") == true { health.logWorked(.state, to: logger) }
            return report
        } catch {
            health.logFailure(error.aboutState ? .state : .spool, error.description, to: logger)
            throw error
        }
    }

    /// Re-resolves which courier polls each tracked shipment, after the configuration changed
    /// (a reload, or a restart with another config); shipments that had none and now have one
    /// become due at once. Returns how many shipments moved.
    @discardableResult
    package func reassignCouriers() async -> Int {
        let directory = updater.directory
        let now = clock()
        do {
            return try await store.write("reassign couriers") { transaction in
                var moved = 0
                for code in try transaction.activeCourierCodes() {
                    moved += try transaction.assign(courierCode: code, to: directory.resolve(code)?.courierID, now: now)
                }
                return moved
            }
        } catch {
            logger.error("\(error)")
            return 0
        }
    }

    /// Removes partial files left by a crash; run once at start.
    package func recover() async throws(SpoolError) {
        try await offload { [publisher] () throws(SpoolError) in try publisher.cleanLeftovers() }
    }
}
