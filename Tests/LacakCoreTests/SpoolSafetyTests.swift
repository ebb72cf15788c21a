import Foundation
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakSpool
@testable import LacakIntake
@testable import LacakPipeline
@testable import LacakDaemon

/// What a careless colleague with write access to the spool group can put in the spool —
/// FIFOs at lacak's scratch names, a directory where a snapshot goes, symlinks, an unreadable
/// intake file, a held lock — neither hangs lacak nor stops it delivering everything else.
@Suite(.serialized) struct SpoolSafetyTests {
    struct Setup {
        let directory = TestDirectory("spool-safety")
        let sim: CourierSimProcess
        let configPath: String

        init() throws {
            sim = try CourierSimProcess(speed: 36_000, scenarios: ["JX90001": "delivered", "JX90002": "delivered"])
            configPath = try directory.write("lacak.toml", TestConfig.binderbyte(port: sim.port, root: directory.path))
        }

        func check(timeout: Double = 60) async throws -> ProcessResult {
            try await runProcess(Binaries.lacakd, ["--check", "--all", "--config", configPath], environment: TestConfig.environment, timeout: timeout)
        }

        func drop(_ text: String) throws {
            try directory.write("spool/incoming/orders.jsonl", text)
        }

        func fifo(_ relative: String) throws {
            try FileManager.default.createDirectory(atPath: (directory.join(relative) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(mkfifo(directory.join(relative), 0o660) == 0, "mkfifo \(relative)")
        }
    }

    static let twoOrders = """
        {"order_id": "S-1", "tracking_number": "JX90001", "courier": "jne"}
        {"order_id": "S-2", "tracking_number": "JX90002", "courier": "jne"}
        """

    /// A FIFO at every scratch name lacak is about to use: before the fix `open` blocked forever.
    @Test func fifosAtScratchNamesDoNotHang() async throws {
        let setup = try Setup()
        _ = try await setup.check()   // creates the spool
        try setup.drop(Self.twoOrders)
        // The names the next publish writes: snapshots of version 1..3, notifications 1..12.
        for id in ["S-1", "S-2"] { for version in 1...3 { try setup.fifo("spool/tmp/\(id).\(version).tmp") } }
        let clock = Int64(Date().timeIntervalSince1970 * 1000)
        for offset in 0..<3 { for change in 1...6 { for audience in ["buyer", "seller"] {
            try setup.fifo("spool/notifications/tmp/\(clock + Int64(offset)).\(String(format: "%012d", change))-\(audience).json")
        } } }
        let result = try await setup.check(timeout: 30)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: setup.directory.join("spool/orders/S-1.json")))
        #expect(!setup.directory.list("spool/notifications/new").isEmpty)
    }

    @Test func aDirectoryWhereASnapshotGoesIsMovedAside() async throws {
        let setup = try Setup()
        _ = try await setup.check()
        try FileManager.default.createDirectory(atPath: setup.directory.join("spool/orders/S-1.json"), withIntermediateDirectories: true)
        try setup.drop(Self.twoOrders)
        let result = try await setup.check()
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("moved") && result.stderr.contains("aside"), "\(result.stderr)")
        #expect(AtomicFiles.isRegularFile(setup.directory.join("spool/orders/S-1.json")), "S-1's snapshot is written after all")
        #expect(AtomicFiles.isRegularFile(setup.directory.join("spool/orders/S-2.json")))
        let quarantined = setup.directory.list("spool/quarantine")
        #expect(quarantined.contains { $0.hasSuffix("S-1.json") }, "\(quarantined)")
        #expect(quarantined.contains { $0.hasSuffix("S-1.json.reason") }, "\(quarantined)")
        #expect(setup.directory.list("spool/notifications/new").count >= 4, "every order's notifications are delivered")
    }

    @Test func aSymlinkAtAStagedNotificationIsNeverDeliveredAsOne() async throws {
        let setup = try Setup()
        _ = try await setup.check()
        let elsewhere = TestDirectory("elsewhere")
        try elsewhere.write("secret.txt", "not for readers")
        try setup.drop(Self.twoOrders)
        let clock = Int64(Date().timeIntervalSince1970 * 1000)
        for offset in 0..<3 { for change in 1...6 { for audience in ["buyer", "seller"] {
            symlink(elsewhere.join("secret.txt"), setup.directory.join("spool/notifications/tmp/\(clock + Int64(offset)).\(String(format: "%012d", change))-\(audience).json"))
        } } }
        let result = try await setup.check()
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let delivered = setup.directory.list("spool/notifications/new")
        #expect(!delivered.isEmpty)
        for name in delivered {
            #expect(AtomicFiles.isRegularFile(setup.directory.join("spool/notifications/new/" + name)), "\(name) is not a regular file")
        }
        #expect(try elsewhere.read("secret.txt") == "not for readers", "nothing was written through the link")
    }

    @Test func aSpoolDirectoryReplacedByASymlinkIsRefused() async throws {
        let setup = try Setup()
        _ = try await setup.check()
        let elsewhere = TestDirectory("elsewhere")
        try FileManager.default.removeItem(atPath: setup.directory.join("spool/orders"))
        symlink(elsewhere.path, setup.directory.join("spool/orders"))
        try setup.drop(Self.twoOrders)
        let result = try await setup.check()
        #expect(result.status != 0)
        #expect(result.stderr.contains("spool/orders: is a symbolic link"), "\(result.stderr)")
        #expect(elsewhere.list(".").isEmpty, "nothing was written through the link: \(elsewhere.list("."))")
    }

    @Test func aFifoOrASymlinkInIncomingIsRejectedAtOnce() async throws {
        let setup = try Setup()
        _ = try await setup.check()
        try setup.fifo("spool/incoming/pipe.json")
        let target = try setup.directory.write("outside.json", #"{"order_id": "X-1"}"#)
        symlink(target, setup.directory.join("spool/incoming/link.json"))
        let result = try await setup.check(timeout: 30)
        #expect(result.stdout.contains("2 rejected") || result.stdout.contains("rejected"), "\(result.stdout)")
        let rejected = setup.directory.list("spool/rejected")
        #expect(rejected.contains("pipe.json") && rejected.contains("link.json"), "\(rejected)")
        #expect(try setup.directory.read("spool/rejected/link.json.error").contains("symbolic link"))
        #expect(try setup.directory.read("spool/rejected/pipe.json.error").contains("not a regular file"))
    }

    /// Another user's unreadable file: rejected once with the reason, not "still being written"
    /// forever. lacakd runs as `nobody` here (setpriv), so file permissions apply to it.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs root to run lacakd as another user"))
    func anUnreadableIntakeFileIsRejectedOnce() async throws {
        let setup = try Setup()
        _ = try await setup.check()
        let path = try setup.directory.write("spool/incoming/private.json", #"{"order_id": "P-1"}"#)
        chmod(path, 0o600)
        // The test directory (and everything under it) is open to nobody, but this file is not.
        _ = try await runProcess("/bin/chmod", ["-R", "a+rwX", setup.directory.path])
        chmod(path, 0o600)
        chmod(setup.directory.path, 0o777)
        let result = try await runProcess("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Binaries.lacakd, "--check", "--config", setup.configPath],
                                          environment: TestConfig.environment)
        #expect(result.stdout.contains("1 rejected"), "\(result.stdout)\(result.stderr)")
        #expect(try setup.directory.read("spool/rejected/private.json.error").contains("permission denied"))
    }

    @Test func aHeldSpoolLockIsWaitedForBoundedAndNamed() async throws {
        let directory = TestDirectory("lock")
        let store = try SQLiteStateStore(directory: directory.join("state"))
        let layout = SpoolLayout(root: directory.join("spool"))
        try layout.create()
        var publisher = SpoolPublisher(layout: layout, store: store, zone: .utc, courierNames: [:], lockDirectory: directory.join("state"))
        publisher.lockTimeout = 0.5
        // The lock is lacak's alone: 0600 in a 0700 directory, out of the spool group's reach.
        _ = try publisher.publish()
        // FileManager rather than stat(2): with zlib's headers in the build the importer's home for
        // struct stat varies, which MemberImportVisibility then asks the test to import.
        #expect(try FileManager.default.attributesOfItem(atPath: directory.join("state/lock"))[.posixPermissions] as? Int == 0o700)
        #expect(try FileManager.default.attributesOfItem(atPath: directory.join("state/lock/spool.lock"))[.posixPermissions] as? Int == 0o600)
        // Held by another process: publish gives up after its bound and says what it waited for.
        let holder = try BackgroundProcess("/usr/bin/python3", ["-c", "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(20)", directory.join("state/lock/spool.lock")])
        _ = try holder.waitForLine(containing: "held")
        let started = Date()
        do {
            _ = try publisher.publish()
            Issue.record("published while another process held the lock")
        } catch {
            #expect(error.description.contains("spool.lock"), "\(error)")
            #expect(error.description.contains("another process holds it"), "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 5)
        holder.signal(SIGKILL)
    }

    @Test func aSecondDaemonOnTheSameStateExits() async throws {
        let sim = try CourierSimProcess(speed: 36_000)
        let first = try await DaemonTests.Running(polling: sim)
        let second = try await runProcess(Binaries.lacakd, ["run", "--config", first.configPath], environment: TestConfig.environment, timeout: 30)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another lacakd run is already using the state directory"), "\(second.stderr)")
        // A --check beside the daemon stays allowed.
        let check = try await runProcess(Binaries.lacakd, ["--check", "--config", first.configPath], environment: TestConfig.environment)
        #expect(check.status == 0, "\(check.stderr)")
        _ = await first.process.stopExpectingSuccess()
    }

    /// SIGHUP to a config with another state or spool directory would silently start on an
    /// empty database; it is refused, and the running config keeps tracking.
    @Test func aReloadCannotMoveTheStateOrSpool() async throws {
        let sim = try CourierSimProcess(speed: 36_000, scenarios: ["JX91001": "delivered"])
        let daemon = try await DaemonTests.Running(polling: sim)
        let original = try daemon.directory.read("lacak.toml")
        for (key, moved) in [("state_dir", "state2"), ("spool_dir", "spool2")] {
            let text = original.replacingOccurrences(of: "\(key) = \"\(daemon.directory.path)/\(key == "state_dir" ? "state" : "spool")\"", with: "\(key) = \"\(daemon.directory.path)/\(moved)\"")
            #expect(text != original)
            try daemon.directory.write("lacak.toml", text)
            daemon.process.signal(SIGHUP)
            try await daemon.waitUntil("the refused reload of \(key)") { daemon.log.contains("daemon.\(key) changed from") }
            #expect(daemon.log.contains("restart lacakd to move"))
        }
        try daemon.drop("a.json", #"{"order_id": "M-1", "tracking_number": "JX91001", "courier": "jne"}"#)
        try await daemon.waitUntil("M-1 delivered with the old directories") { daemon.carrierStatus("M-1") == "delivered" }
        #expect(!FileManager.default.fileExists(atPath: daemon.directory.join("state2/state.sqlite")))
        _ = await daemon.process.stopExpectingSuccess()
    }

    /// The state database deleted under a running daemon: it stops with an error instead of
    /// committing into an unlinked file.
    @Test func aDeletedDatabaseStopsTheDaemon() async throws {
        let sim = try CourierSimProcess(speed: 36_000)
        let daemon = try await DaemonTests.Running { directory in
            TestConfig.binderbyte(port: sim.port, root: directory.path, extraDaemon: "intake_rescan = \"1h\"")
        }
        for suffix in ["", "-wal", "-shm"] { unlink(daemon.directory.join("state/state.sqlite" + suffix)) }
        // A reload makes it look at once (it also looks each round and each rescan).
        daemon.process.signal(SIGHUP)
        let status = await daemon.process.waitForExit(timeout: 30)
        #expect(status == 1, "the daemon stops with an error")
        #expect(daemon.log.contains("the database was deleted while lacak ran"), "\(daemon.log)")
        #expect(!FileManager.default.fileExists(atPath: daemon.directory.join("state/state.sqlite")), "nothing created a new one")
    }

    /// Beside a daemon (here: its lock, held by the test) whose database is gone, a --check
    /// does not start a second, empty database.
    @Test func aCheckBesideADaemonWithoutItsDatabaseCreatesNone() async throws {
        let sim = try CourierSimProcess(speed: 36_000)
        let directory = TestDirectory("no-second-db")
        let config = try directory.write("lacak.toml", TestConfig.binderbyte(port: sim.port, root: directory.path))
        var held: DaemonLock? = try DaemonLock(stateDirectory: directory.join("state"))
        let check = try await runProcess(Binaries.lacakd, ["--check", "--config", config], environment: TestConfig.environment)
        #expect(check.status == 1)
        #expect(check.stderr.contains("not creating a second database"), "\(check.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.join("state/state.sqlite")))
        #expect(held != nil)
        held = nil
        // Without a daemon, a first --check creates its database as always.
        let first = try await runProcess(Binaries.lacakd, ["--check", "--config", config], environment: TestConfig.environment)
        #expect(first.status == 0, "\(first.stderr)")
    }
}
