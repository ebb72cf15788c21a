package import LacakPipeline

/// What `lacakd run` decides, as a value: each event, with the facts the event loop gathered,
/// goes in; the actions to carry out, in order, come out.
///
/// The machine holds no task, source, clock or pipeline: `Daemon` owns those, turns Dispatch
/// sources, signals and finished work into events, and performs the actions. So every rule of
/// the loop — one intake at a time with a follow-up wanted, one round per courier, the storage
/// retry running only while a store fails, the watchdog withheld while a round is stuck, a
/// clean stop — is tested directly (`DaemonStateMachineTests`), without child processes.
///
/// Whether state can be written is not decided here: intake, rounds and publishing change it
/// in the background, so `DaemonLoop` reads it when it performs `.startDueRounds` and
/// `.armTimer`, as late as possible.
package struct DaemonStateMachine: Sendable {
    /// Where the daemon is in its life.
    package enum Phase: Sendable, Equatable {
        case starting
        case running
        /// Leaving the loop; `fatal` says why when the daemon cannot go on.
        case stopping(fatal: String?)
    }

    /// Something that happened, with what the loop knew when it happened.
    package enum Event: Sendable, Equatable {
        /// The pipeline is built and has recovered the spool: start working.
        case started
        /// The wakeup timer fired: shipments or alerts are due.
        case due
        /// inotify saw a file arrive in `incoming/`.
        case intakeNoticed
        /// The slow rescan timer fired; `pendingIntake` when `incoming/` holds files.
        case rescan(pendingIntake: Bool)
        case intakeFinished(IntakeReport)
        /// The source timer fired (or the daemon started with sources): pull those due.
        case sourcesDue
        /// A pull of the order sources ended.
        case sourcesFinished([SourceReport])
        /// The loop started rounds for these couriers (after `.startDueRounds`).
        case roundsStarted([String])
        /// A courier's round ended; `full` when it took a whole `round_size`, so more may be due.
        case roundFinished(courier: String, PollReport, full: Bool)
        /// The storage retry timer fired, with which stores still fail.
        case storageRetry(spoolFailing: Bool, stateFailing: Bool, pendingIntake: Bool)
        /// SIGHUP was answered: `applied` when the new configuration is in service.
        case reloaded(applied: Bool)
        /// The watchdog timer fired; `stalledFor` is the longest time a running round made no
        /// progress (nil when none runs), `interval` systemd's watchdog interval.
        case watchdog(stalledFor: Duration?, interval: Duration?)
        /// The storage health after an event: its status-line summary (nil when both stores
        /// can be written).
        case health(summary: String?)
        /// The daemon cannot go on (its database was deleted or replaced).
        case fatal(String)
        /// SIGTERM, or the service group shutting down.
        case shutdown
    }

    /// What the loop is to do, in the order given.
    package enum Action: Sendable, Equatable {
        case startIntake
        /// Pull the order sources that are due, in the background.
        case startSourcePull
        case logSources([SourceReport])
        /// Start a round for every courier with due shipments that is not in `running` (those
        /// poll already); report them back with `.roundsStarted` before the next action. While
        /// state cannot be written only the storage retry (`retrying`) polls: results could not
        /// be kept, and polling at once would ask the couriers in a loop.
        case startDueRounds(retrying: Bool)
        /// Arm the wakeup timer for the earliest work no round in `running` will pick up (or
        /// disarm it while state cannot be written: the storage retry takes over).
        case armTimer
        /// Deliver the outbox and stale snapshots.
        case publish
        case logIntake(IntakeReport)
        case logRound(courier: String, PollReport)
        case startStorageRetry
        case stopStorageRetry
        /// Tell systemd the current status line (built from `lastRounds`).
        case updateStatus
        /// READY=1 with the status line: after start and after each reload.
        case announceReady
        case pingWatchdog
        case withholdWatchdog(stalledFor: Duration)
        /// Stop the running work, wait for it within the shutdown timeout, publish, return.
        case finish(fatal: String?)
    }

    /// The key of the intake among the running work; courier ids never start with '#'.
    package static let intakeKey = "#intake"
    /// The key of a pull of the order sources among the running work.
    package static let sourcesKey = "#sources"

    package private(set) var phase: Phase = .starting
    /// The intake (as `intakeKey`) and the couriers whose rounds are running.
    package private(set) var running: Set<String> = []
    /// Files arrived while an intake ran: run another when it ends.
    package private(set) var intakeWanted = false
    /// The last round of each courier, for the status line.
    package private(set) var lastRounds: [String: PollReport] = [:]
    /// The storage-health summary last seen; nil while both stores can be written.
    private var lastHealth: String?
    /// The storage retry runs exactly while a store fails.
    package var storageRetrying: Bool { lastHealth != nil }

    package init() {}

    /// Whether the loop should go on taking events.
    package var isRunning: Bool {
        if case .stopping = phase { return false }
        return true
    }

    package mutating func handle(_ event: Event) -> [Action] {
        guard isRunning else { return [] }
        switch event {
        case .started:
            phase = .running
            return [.announceReady, startIntake()] + [.startDueRounds(retrying: false)] + [.armTimer]
        case .due:
            return [.startDueRounds(retrying: false)] + [.armTimer]
        case .intakeNoticed:
            return requestIntake()
        case .rescan(let pendingIntake):
            // Catches files no inotify event announced, and work another process (a --check)
            // scheduled since the timer was armed.
            let intake: [Action] = pendingIntake && !running.contains(Self.intakeKey) ? [startIntake()] : []
            return intake + [.armTimer]
        case .intakeFinished(let report):
            running.remove(Self.intakeKey)
            var actions: [Action] = [.logIntake(report)]
            if intakeWanted { actions.append(startIntake()) }
            // New orders are due at once.
            return actions + [.startDueRounds(retrying: false)] + [.armTimer]
        case .sourcesDue:
            // One pull at a time; a source due while one runs is pulled by the next tick.
            guard !running.contains(Self.sourcesKey) else { return [] }
            running.insert(Self.sourcesKey)
            return [.startSourcePull]
        case .sourcesFinished(let reports):
            running.remove(Self.sourcesKey)
            // Orders pulled with packages are due at once.
            return [.logSources(reports), .startDueRounds(retrying: false), .armTimer]
        case .roundsStarted(let couriers):
            running.formUnion(couriers)
            return []
        case .roundFinished(let courier, let report, let full):
            running.remove(courier)
            lastRounds[courier] = report
            return [.logRound(courier: courier, report)] + (full ? [.startDueRounds(retrying: false)] : []) + [.armTimer, .updateStatus]
        case .storageRetry(let spoolFailing, let stateFailing, let pendingIntake):
            var actions: [Action] = spoolFailing ? [.publish] : []
            if stateFailing {
                if pendingIntake, !running.contains(Self.intakeKey) { actions.append(startIntake()) }
                actions += [.startDueRounds(retrying: true)]
            }
            return actions + [.armTimer]
        case .reloaded(let applied):
            guard applied else { return [.announceReady] }
            return requestIntake() + [.startDueRounds(retrying: false)] + [.armTimer, .announceReady]
        case .watchdog(let stalledFor, let interval):
            // Ping only while the loop turns (it is turning now) and every running round still
            // makes progress; a hung round lets systemd restart the service.
            if let stalledFor, let interval, stalledFor > interval * 2 { return [.withholdWatchdog(stalledFor: stalledFor)] }
            return [.pingWatchdog]
        case .health(let summary):
            guard summary != lastHealth else { return [] }
            var actions: [Action] = []
            if summary != nil, !storageRetrying { actions.append(.startStorageRetry) }
            if summary == nil, storageRetrying { actions.append(.stopStorageRetry) }
            lastHealth = summary
            return actions + [.updateStatus]
        case .fatal(let message):
            phase = .stopping(fatal: message)
            return [.finish(fatal: message)]
        case .shutdown:
            phase = .stopping(fatal: nil)
            return [.finish(fatal: nil)]
        }
    }

    private mutating func startIntake() -> Action {
        intakeWanted = false
        running.insert(Self.intakeKey)
        return .startIntake
    }

    /// One intake at a time: a file noticed while one runs is read by the next.
    private mutating func requestIntake() -> [Action] {
        if running.contains(Self.intakeKey) {
            intakeWanted = true
            return []
        }
        return [startIntake()]
    }
}
