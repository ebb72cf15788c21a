import Testing
@testable import LacakPipeline
@testable import LacakDaemon

/// The rules of `lacakd run`'s event loop, driven directly: no process, no timer, no database.
@Suite struct DaemonStateMachineTests {
    typealias Machine = DaemonStateMachine

    /// A machine that has started, with its startup actions done (an intake running).
    static func started() -> Machine {
        var machine = Machine()
        _ = machine.handle(.started)
        _ = machine.handle(.roundsStarted([]))
        return machine
    }

    static func report(polled: Int) -> PollReport {
        var report = PollReport()
        var tally = CourierTally()
        tally.polled = polled
        report.couriers["jne-api"] = tally
        return report
    }

    @Test func startingAnnouncesReadyThenReadsIntakeAndPollsWhatIsDue() {
        var machine = Machine()
        #expect(machine.phase == .starting)
        #expect(machine.handle(.started) == [.announceReady, .startIntake, .startDueRounds(retrying: false), .armTimer])
        #expect(machine.phase == .running)
        #expect(machine.running == [Machine.intakeKey])
    }

    @Test func oneIntakeAtATimeWithOneFollowUp() {
        var machine = Self.started()
        // Files arrive while the startup intake runs: nothing starts now, one intake follows.
        #expect(machine.handle(.intakeNoticed) == [])
        #expect(machine.handle(.intakeNoticed) == [])
        #expect(machine.intakeWanted)
        let report = IntakeReport()
        #expect(machine.handle(.intakeFinished(report)) == [.logIntake(report), .startIntake, .startDueRounds(retrying: false), .armTimer])
        #expect(!machine.intakeWanted)
        #expect(machine.handle(.intakeFinished(report)) == [.logIntake(report), .startDueRounds(retrying: false), .armTimer])
        #expect(machine.handle(.intakeNoticed) == [.startIntake])
    }

    @Test func aRescanStartsAnIntakeOnlyForFilesAndNeverASecondOne() {
        var machine = Self.started()
        #expect(machine.handle(.rescan(pendingIntake: true)) == [.armTimer])
        _ = machine.handle(.intakeFinished(IntakeReport()))
        #expect(machine.handle(.rescan(pendingIntake: false)) == [.armTimer])
        #expect(machine.handle(.rescan(pendingIntake: true)) == [.startIntake, .armTimer])
    }

    @Test func eachCourierHasOneRoundAndAFullRoundAsksForMore() {
        var machine = Self.started()
        _ = machine.handle(.roundsStarted(["jne-api", "binderbyte"]))
        #expect(machine.running == [Machine.intakeKey, "jne-api", "binderbyte"])
        let report = Self.report(polled: 3)
        #expect(machine.handle(.roundFinished(courier: "jne-api", report, full: false)) == [.logRound(courier: "jne-api", report), .armTimer, .updateStatus])
        #expect(machine.lastRounds["jne-api"] == report)
        #expect(machine.running == [Machine.intakeKey, "binderbyte"])
        #expect(machine.handle(.roundFinished(courier: "binderbyte", report, full: true)) == [.logRound(courier: "binderbyte", report), .startDueRounds(retrying: false), .armTimer, .updateStatus])
    }

    @Test func theStorageRetryRunsOnlyWhileAStoreFailsAndRetriesPolling() {
        var machine = Self.started()
        #expect(machine.handle(.health(summary: "STATE NOT WRITABLE since 10:42:07: disk full")) == [.startStorageRetry, .updateStatus])
        // The same problem again changes nothing.
        #expect(machine.handle(.health(summary: "STATE NOT WRITABLE since 10:42:07: disk full")) == [])
        #expect(machine.storageRetrying)
        // Rounds are asked for as a retry (the loop polls only those while state fails).
        #expect(machine.handle(.storageRetry(spoolFailing: false, stateFailing: true, pendingIntake: false)) == [.startDueRounds(retrying: true), .armTimer])
        #expect(machine.handle(.health(summary: nil)) == [.stopStorageRetry, .updateStatus])
        #expect(!machine.storageRetrying)
        #expect(machine.handle(.due) == [.startDueRounds(retrying: false), .armTimer])
    }

    @Test func aFailingSpoolIsRetriedByPublishingWhilePollingGoesOn() {
        var machine = Self.started()
        #expect(machine.handle(.health(summary: "SPOOL NOT WRITABLE since 10:42:07")) == [.startStorageRetry, .updateStatus])
        #expect(machine.handle(.due) == [.startDueRounds(retrying: false), .armTimer])
        #expect(machine.handle(.storageRetry(spoolFailing: true, stateFailing: false, pendingIntake: true)) == [.publish, .armTimer])
    }

    @Test func aReloadReadsIntakeAndPollsAgainOnlyWhenApplied() {
        var machine = Self.started()
        #expect(machine.handle(.reloaded(applied: false)) == [.announceReady])
        // The startup intake still runs: the reload's intake follows it.
        #expect(machine.handle(.reloaded(applied: true)) == [.startDueRounds(retrying: false), .armTimer, .announceReady])
        #expect(machine.intakeWanted)
    }

    @Test func theWatchdogIsWithheldWhileARoundIsStuck() {
        var machine = Self.started()
        #expect(machine.handle(.watchdog(stalledFor: nil, interval: .seconds(30))) == [.pingWatchdog])
        #expect(machine.handle(.watchdog(stalledFor: .seconds(59), interval: .seconds(30))) == [.pingWatchdog])
        #expect(machine.handle(.watchdog(stalledFor: .seconds(61), interval: .seconds(30))) == [.withholdWatchdog(stalledFor: .seconds(61))])
        #expect(machine.handle(.watchdog(stalledFor: .seconds(600), interval: nil)) == [.pingWatchdog])
    }

    @Test func aFatalProblemOrAShutdownEndsTheLoopOnce() {
        var machine = Self.started()
        #expect(machine.handle(.fatal("the database was deleted")) == [.finish(fatal: "the database was deleted")])
        #expect(machine.phase == .stopping(fatal: "the database was deleted"))
        #expect(!machine.isRunning)
        #expect(machine.handle(.due) == [])
        #expect(machine.handle(.shutdown) == [])

        var other = Self.started()
        #expect(other.handle(.shutdown) == [.finish(fatal: nil)])
        #expect(other.handle(.intakeFinished(IntakeReport())) == [])
    }
}
