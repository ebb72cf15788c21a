import Dispatch
import Foundation
package import Logging
package import LacakSupport
package import LacakModel
package import LacakTransport
package import LacakStore
package import LacakConfig
package import LacakCouriers
package import LacakSpool
package import LacakIntake

/// The whole tracking cycle — intake, polling, normalising, committing, publishing — shared
/// unchanged by `lacakd --check` and the daemon.
package final class TrackingPipeline: Sendable {
    package let config: LacakConfig
    package let store: StateStore
    package let layout: SpoolLayout
    let client: HTTPClient
    let adapters: [String: any CourierAdapter]
    let gates: [String: CourierGate]
    let updater: OrderUpdater
    let scanner: IntakeScanner
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
                store = try StateStore(directory: config.daemon.stateDirectory)
            }
        } catch let error as SpoolError {
            throw .spool(error)
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .store(StoreError(operation: "open", message: "\(error)"))
        }
        var adapters: [String: any CourierAdapter] = [:]
        var gates: [String: CourierGate] = [:]
        for courier in config.couriers where courier.enabled {
            do {
                adapters[courier.id] = try AdapterFactory.make(courier, daemon: config.daemon)
            } catch {
                throw .adapter(courier: courier.id, error)
            }
            if let previous, let old = previous.config.courier(id: courier.id), let gate = previous.gates[courier.id],
               old.rateLimit == courier.rateLimit, old.burst == courier.burst {
                gates[courier.id] = gate
            } else {
                gates[courier.id] = CourierGate(courier: courier, daemon: config.daemon)
            }
        }
        self.adapters = adapters
        self.gates = gates
        updater = OrderUpdater(config: config)
        scanner = IntakeScanner(layout: layout, maxFileBytes: config.daemon.maxIntakeFileBytes.bytes)
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
                noteWorked(.state)
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
                noteFailure(.state, error.description)
            } catch {
                report.errors.append("\(name): \(error)")
                noteFailure(.spool, "\(error)")
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
            let due = try await store.read("find due shipments") { try $0.dueShipments(now: now, all: all, limit: limit, farAhead: farAhead) }
            return await poll(due, stop: stop)
        } catch {
            var report = PollReport()
            report.errors.append(error.description)
            logger.error("\(error)")
            return report
        }
    }

    /// The shipments due within `lookahead` seconds, at most `limit`, grouped by the courier that
    /// polls them ("" for none), leaving out the couriers in `excluding`.
    package func dueShipments(limit: Int, lookahead: Double = 0, excluding: Set<String> = []) async throws(StoreError) -> [String: [DueShipment]] {
        let now = clock()
        let horizon = now.adding(seconds: lookahead)
        let farAhead = farAhead(of: now)
        let due = try await store.read("find due shipments") { try $0.dueShipments(now: horizon, all: false, limit: limit, excluding: excluding, farAhead: farAhead) }
        return Dictionary(grouping: due) { courierID(for: $0) ?? "" }
    }

    /// Later than any `next_check` this config can set from `now`: the longest poll interval,
    /// confirmation or backoff (Retry-After is clamped to `retry_max`), with jitter, plus a
    /// margin. A shipment due later than this is due now (the clock was corrected backwards).
    func farAhead(of now: Timestamp) -> Timestamp {
        let daemon = config.daemon
        var longest = max(daemon.maxBackoff.seconds * 1.1, daemon.pollIntervals.finalConfirmation.seconds)
        for courier in config.couriers {
            let intervals = daemon.pollIntervals.merging(courier.pollIntervals)
            longest = max(longest, intervals.finalConfirmation.seconds, intervals.byStatus.values.map(\.seconds).max() ?? 0)
        }
        longest = max(longest, daemon.pollIntervals.byStatus.values.map(\.seconds).max() ?? 0)
        return now.adding(seconds: longest * (1 + daemon.jitter) + 3600)
    }

    /// The enabled courier that polls a shipment now, if any.
    ///
    /// When several serve its courier code, the first in config order is used, the next one
    /// after each failed poll in a row, and any whose gate is paused (Retry-After, out of
    /// quota, circuit open) is passed over while another is available.
    func courierID(for shipment: DueShipment) -> String? {
        let candidates = updater.directory.candidates(for: shipment.courierCode).map(\.id).filter { adapters[$0] != nil }
        guard !candidates.isEmpty else {
            if let id = shipment.courierID, adapters[id] != nil { return id }
            return nil
        }
        let start = shipment.failures % candidates.count
        let rotated = Array(candidates[start...] + candidates[..<start])
        return rotated.first { gates[$0]?.isPaused != true } ?? rotated[0]
    }

    /// Whether another enabled courier could poll this shipment while `courierID` is paused.
    func hasAlternative(to courierID: String, for shipment: DueShipment) -> Bool {
        updater.directory.candidates(for: shipment.courierCode).contains { $0.id != courierID && adapters[$0.id] != nil && gates[$0.id]?.isPaused != true }
    }

    /// Polls these shipments: each courier's share goes through its own workers, paced by its
    /// gate, and results are committed (and published) in batches as they arrive. Once `stop`
    /// is raised no new request starts; those in flight finish and are committed.
    package func poll(_ shipments: [DueShipment], stop: StopToken = StopToken()) async -> PollReport {
        let started = ContinuousClock.now
        var report = PollReport()
        var byCourier: [String: [DueShipment]] = [:]
        var unassigned: [DueShipment] = []
        for shipment in shipments {
            if let courierID = courierID(for: shipment), adapters[courierID] != nil {
                byCourier[courierID, default: []].append(shipment)
            } else {
                unassigned.append(shipment)
            }
        }
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
        let committer = Task { await self.commitResults(from: sink, stop: stop) }
        await withTaskGroup(of: Void.self) { group in
            for (courierID, list) in byCourier {
                guard let adapter = adapters[courierID], let gate = gates[courierID] else { continue }
                group.addTask {
                    await self.pollCourier(courierID, adapter: adapter, gate: gate, shipments: list, sink: sink, stop: stop)
                }
            }
        }
        await sink.close()
        let committed = await committer.value
        for (courierID, tally) in committed.tallies { report.couriers[courierID] = tally }
        for courierID in byCourier.keys where report.couriers[courierID] == nil { report.couriers[courierID] = CourierTally() }
        report.uncommitted = committed.uncommitted
        report.errors += committed.errors
        report.seconds = (ContinuousClock.now - started).seconds
        return report
    }

    /// Runs one courier's workers over its shipments.
    private func pollCourier(_ courierID: String, adapter: any CourierAdapter, gate: CourierGate, shipments: [DueShipment], sink: ResultSink, stop: StopToken) async {
        // Orders that share a tracking number are looked up once; a batch asks for one courier code.
        var byQuery: [TrackingQuery: [DueShipment]] = [:]
        var queriesByCode: [String: [TrackingQuery]] = [:]
        var codeOrder: [String] = []
        for shipment in shipments {
            let query = TrackingQuery(trackingNumber: shipment.trackingNumber, intakeCode: shipment.courierCode, courier: adapter.settings)
            if byQuery[query] == nil {
                let code = query.courierCode ?? ""
                if queriesByCode[code] == nil { codeOrder.append(code) }
                queriesByCode[code, default: []].append(query)
            }
            byQuery[query, default: []].append(shipment)
        }
        let batches = codeOrder.flatMap { code in
            queriesByCode[code, default: []].chunked(into: max(1, adapter.maxBatchSize)).map(Array.init)
        }
        let queue = WorkQueue(batches)
        let workers = min(adapter.settings.maxInFlight, batches.count)
        let client = client
        let maxWait = maxAdmissionWait
        let logger = logger
        let byQueryCopy = byQuery
        let retryLimit = config.daemon.maxBackoff.seconds
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while !stop.isRaised, let batch = queue.next() {
                        var outcome: BatchOutcome
                        switch await gate.admit(maxWait: maxWait) {
                        case .deferred(let seconds):
                            // With another provider free, try again at once (through it).
                            var results: [String: TrackingOutcome] = [:]
                            for query in batch {
                                let elsewhere = (byQueryCopy[query] ?? []).contains { self.hasAlternative(to: courierID, for: $0) }
                                results[query.trackingNumber] = .deferred(seconds: elsewhere ? 1 : seconds)
                            }
                            outcome = BatchOutcome(results: results, requests: 0)
                        case .proceed(let wait):
                            if wait > .zero { await stop.sleep(for: wait) }
                            if stop.isRaised { return }
                            outcome = await adapter.track(batch, using: client)
                            for note in outcome.notes { logger.info("\(courierID): \(note)") }
                            if let asked = outcome.retryAfter {
                                // A wait from outside never exceeds retry_max: one courier's
                                // answer cannot park its shipments for years.
                                let seconds = min(asked, retryLimit)
                                outcome.retryAfter = seconds
                                await gate.pause(seconds: seconds)
                                if asked > retryLimit {
                                    logger.warning("\(courierID): courier asked to wait \(Int(asked))s (Retry-After); waiting retry_max, \(Int(retryLimit))s")
                                } else {
                                    logger.warning("\(courierID): courier asked to wait \(seconds)s (Retry-After)")
                                }
                            }
                            if let pause = await gate.record(failure: outcome.isCourierFailure) {
                                logger.warning("\(courierID): \(CourierGate.failureThreshold) failed requests in a row; pausing this courier for \(Int(pause))s")
                            }
                        }
                        stop.beat()
                        var items: [ResultSink.Item] = []
                        for query in batch {
                            var result = outcome.results[query.trackingNumber] ?? .failed(.badResponse("no result for this number"))
                            // Out of quota here but another provider is free: not a failure, ask there next.
                            if case .failed(.rateLimited) = result, (byQueryCopy[query] ?? []).contains(where: { self.hasAlternative(to: courierID, for: $0) }) {
                                result = .deferred(seconds: 1)
                            }
                            // A transfer aborted by shutdown says nothing about the shipment: it stays due.
                            if case .failed(.transport(.cancelled)) = result { continue }
                            for shipment in byQueryCopy[query] ?? [] {
                                items.append(ResultSink.Item(shipment: shipment, courierID: courierID, outcome: result, retryAfter: outcome.retryAfter))
                            }
                        }
                        if outcome.requests > 0, !items.isEmpty {
                            items[items.startIndex].requestCount = outcome.requests
                        }
                        await sink.add(items)
                    }
                }
            }
        }
    }

    private struct CommitSummary: Sendable {
        var tallies: [String: CourierTally] = [:]
        var uncommitted = 0
        var errors: [String] = []
    }

    /// The single committer: applies results in one transaction per batch, then publishes.
    private func commitResults(from sink: ResultSink, stop: StopToken) async -> CommitSummary {
        var summary = CommitSummary()
        let updater = updater
        while let items = await sink.take(limit: 2000) {
            let now = clock()
            do {
                let effects = try await store.write("store tracking results") { transaction in
                    try items.map { item in
                        try updater.apply(item.outcome, to: item.shipment, polledBy: item.courierID, retryAfter: item.retryAfter, in: transaction, now: now, random: Double.random(in: 0..<1))
                    }
                }
                for (item, effect) in zip(items, effects) {
                    if let dispute = effect.dispute { logger.notice("\(item.courierID): \(dispute)") }
                    for unmatched in effect.newUnmatched {
                        logger.notice("\(item.courierID): no status rule reads this \(unmatched.courier) text (see lacakd unmatched): \(unmatched.text)")
                    }
                    var tally = summary.tallies[item.courierID] ?? CourierTally()
                    tally.polled += 1
                    tally.requests += item.requestCount
                    if effect.changed { tally.changed += 1 }
                    tally.notifications += effect.notifications
                    switch item.outcome {
                    case .found: break
                    case .notFound: tally.notFound += 1
                    case .failed(let error):
                        tally.failed += 1
                        tally.note(error.description)
                    case .deferred:
                        tally.deferred += 1
                    }
                    summary.tallies[item.courierID] = tally
                }
            } catch {
                // These shipments keep their due time and are polled again once state can be written.
                summary.uncommitted += items.count
                summary.errors.append(error.description)
                noteFailure(.state, error.description)
                continue
            }
            noteWorked(.state)
            stop.beat()
            CrashPoint.reached("poll.after-commit")
            do {
                _ = try await publish()
            } catch {
                summary.errors.append(error.description)
            }
        }
        for (courierID, tally) in summary.tallies where tally.failed > 0 {
            logger.warning("\(courierID): \(tally.failed) of \(tally.polled) lookups failed: \(tally.errors.joined(separator: "; "))")
        }
        return summary
    }

    private func postponeUnassigned(_ shipments: [DueShipment], report: inout PollReport) async {
        let updater = updater
        let now = clock()
        do {
            try await store.write("postpone unassigned shipments") { transaction in
                for shipment in shipments {
                    let reason = "no configured courier serves '\(shipment.courierCode ?? "(none given)")'"
                    try updater.postpone(shipment, reason: reason, in: transaction, now: now, random: Double.random(in: 0..<1))
                }
            }
            logger.warning("\(shipments.count) shipment(s) have no configured courier; set `courier` in intake or add a courier whose `codes` list it")
        } catch {
            report.errors.append(error.description)
            noteFailure(.state, error.description)
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
    package func nextWakeup(excluding: Set<String> = []) async throws(StoreError) -> Timestamp? {
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
            noteWorked(.spool)
            // A state problem found by publishing (its lock could not be opened) ends with it.
            if health.state?.message.hasPrefix("state: cannot open lock") == true { noteWorked(.state) }
            return report
        } catch {
            noteFailure(error.aboutState ? .state : .spool, error.description)
            throw error
        }
    }

    // MARK: Storage health

    private func noteFailure(_ store: StorageHealth.Store, _ message: String) {
        if health.failed(store, message) {
            let waiting = store == .spool
                ? "notifications wait in the outbox and are delivered once it is"
                : "results and intake are kept for a retry once it is"
            logger.error("\(store.rawValue) not writable: \(message); \(waiting)")
        } else {
            logger.debug("\(store.rawValue) still not writable: \(message)")
        }
    }

    private func noteWorked(_ store: StorageHealth.Store) {
        guard let ended = health.worked(store) else { return }
        let catchingUp = store == .spool ? "; undelivered notifications are being delivered" : ""
        logger.notice("\(store.rawValue) writable again after \(ended.failures) failed attempt(s)\(catchingUp)")
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
                    moved += try transaction.assign(courierCode: code, to: directory.resolve(code)?.id, now: now)
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

/// Why the pipeline cannot start or run a request.
package enum PipelineError: Error, Sendable, CustomStringConvertible {
    case store(StoreError)
    case spool(SpoolError)
    case adapter(courier: String, CourierError)
    /// The new config changes what only a restart may change (the state or spool directory).
    case restartNeeded(String)

    package var description: String {
        switch self {
        case .store(let error): return error.description
        case .spool(let error): return error.description
        case .adapter(let courier, let error): return "courier \(courier): \(error)"
        case .restartNeeded(let message): return message
        }
    }
}

/// Hands out batches to a courier's workers, each exactly once.
final class WorkQueue: Sendable {
    private let state: LockBox<(items: [[TrackingQuery]], next: Int)>

    init(_ items: [[TrackingQuery]]) {
        state = LockBox((items, 0))
    }

    func next() -> [TrackingQuery]? {
        state.withLock { state in
            guard state.next < state.items.count else { return nil }
            defer { state.next += 1 }
            return state.items[state.next]
        }
    }
}

