import Foundation
import Testing
@testable import LacakSupport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakSpool
@testable import LacakDaemon

/// The spool or the state database cannot be written for a while (a full disk, a lost
/// directory): the daemon keeps running, says so, loses nothing, and delivers everything
/// exactly once when writing works again.
@Suite(.serialized) struct StorageFaultTests {
    static let orders = """
        {"order_id": "S-1", "tracking_number": "JX20001", "courier": "jne"}
        {"order_id": "S-2", "tracking_number": "JT20002", "courier": "jnt"}
        {"order_id": "S-3", "tracking_number": "JX20003", "courier": "jne"}
        """
    static let scenarios = ["JX20001": "delivered", "JT20002": "returned", "JX20003": "delivered"]
    static let finals = ["S-1": "delivered", "S-2": "returned", "S-3": "delivered"]

    /// The spool's scratch directories are replaced by plain files, so nothing can be created
    /// in them (root ignores permissions, but not this): polling and state go on, the
    /// notifications wait in the outbox and arrive, once each, when the directories are back.
    @Test func aSpoolOutageDelaysNotificationsAndLosesNone() async throws {
        let sim = try CourierSimProcess(speed: 36_000, scenarios: Self.scenarios)
        let daemon = try await DaemonTests.Running { directory in
            TestConfig.binderbyte(port: sim.port, root: directory.path, extraDaemon: DaemonTests.fastPolling)
        }
        let root = daemon.directory.path
        let scratch = ["spool/tmp", "spool/notifications/tmp"]
        for path in scratch {
            try FileManager.default.removeItem(atPath: root + "/" + path)
            try daemon.directory.write(path, "not a directory\n")
        }
        try daemon.drop("orders.jsonl", Self.orders)
        try await daemon.waitUntil("every order at its final status in state") {
            (try? SpoolAudit.carrierStatuses(root: root)) == Self.finals
        }
        #expect(SpoolAudit.notificationCount(root: root) == 0)
        #expect(try SpoolAudit.pendingNotifications(root: root) > 0)
        try await daemon.notify.waitFor("the outage in the status line") { $0.hasPrefix("STATUS=SPOOL NOT WRITABLE since ") }
        #expect(daemon.process.process.isRunning)

        for path in scratch {
            try FileManager.default.removeItem(atPath: root + "/" + path)
            try FileManager.default.createDirectory(atPath: root + "/" + path, withIntermediateDirectories: false)
        }
        // No new poll result is needed: the storage retry delivers the outbox by itself.
        try await daemon.waitUntil(timeout: 30, "the outbox delivered") {
            (try? SpoolAudit.pendingNotifications(root: root)) == 0 && daemon.snapshot("S-3") != nil
        }
        #expect(try SpoolAudit.problems(root: root) == [])
        #expect(SpoolAudit.notificationCount(root: root) >= 6)
        try await daemon.notify.waitFor("a status line without the outage") { line in
            line.hasPrefix("STATUS=tracking") && daemon.notify.lines.contains { $0.hasPrefix("STATUS=SPOOL NOT WRITABLE") }
        }
        // Logged once when it began and once when it ended, not once per attempt.
        #expect(daemon.log.components(separatedBy: "spool not writable:").count - 1 == 1)
        #expect(daemon.log.contains("spool writable again"))
        await daemon.process.stopExpectingSuccess(timeout: 20)
    }

    /// A file-size limit (RLIMIT_FSIZE, as `prlimit --fsize` sets) makes every write that grows
    /// a file fail with EFBIG, like a full disk, for the spool and the database alike. Lifted
    /// again, the daemon catches up: every order final, every notification exactly once.
    @Test func aFullDiskStopsNothingAndLosesNothing() async throws {
        let sim = try CourierSimProcess(speed: 36_000, scenarios: Self.scenarios)
        let daemon = try await DaemonTests.Running { directory in
            TestConfig.binderbyte(port: sim.port, root: directory.path, extraDaemon: DaemonTests.fastPolling)
        }
        let root = daemon.directory.path
        let pid = String(daemon.process.process.processIdentifier)
        let limited = try await runProcess("/usr/bin/prlimit", ["--pid", pid, "--fsize=512:unlimited"])
        #expect(limited.status == 0, "\(limited.stderr)")
        try daemon.drop("orders.jsonl", Self.orders)
        try await daemon.notify.waitFor("the outage in the status line") { $0.contains("NOT WRITABLE since ") }
        try await Task.sleep(for: .seconds(3))
        #expect(daemon.process.process.isRunning)

        let lifted = try await runProcess("/usr/bin/prlimit", ["--pid", pid, "--fsize=unlimited:unlimited"])
        #expect(lifted.status == 0, "\(lifted.stderr)")
        try await daemon.waitUntil(timeout: 60, "every order final, snapshots written and the outbox delivered") {
            (try? SpoolAudit.carrierStatuses(root: root)) == Self.finals && (try? SpoolAudit.pendingNotifications(root: root)) == 0
                && Self.finals.keys.allSatisfy { daemon.carrierStatus($0) == Self.finals[$0] }
        }
        #expect(try SpoolAudit.problems(root: root) == [])
        await daemon.process.stopExpectingSuccess(timeout: 20)
    }
}
