import Foundation
import GRDB
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

/// The daemon as a child process against courier-sim: real signals, a real notify socket.
@Suite(.serialized) struct DaemonTests {
    /// Fast cadence for a simulator running ten hours per second.
    static let fastPolling = """
        jitter = 0
        intake_rescan = "1s"
        shutdown_timeout = "8s"
        [daemon.poll_interval]
        pending = "1s"
        info_received = "1s"
        in_transit = "1s"
        out_for_delivery = "1s"
        failed_attempt = "1s"
        exception = "1s"
        returning = "1s"
        final_confirmation = "1s"
        """

    final class Running {
        let directory = TestDirectory("daemon")
        let notify: NotifySocket
        let process: BackgroundProcess
        let configPath: String

        init(config: (TestDirectory) throws -> String, watchdogMicroseconds: Int = 1_000_000, environment extra: [String: String] = [:]) async throws {
            notify = try NotifySocket(directory: directory)
            configPath = try directory.write("lacak.toml", try config(directory))
            var environment = TestConfig.environment.merging(extra) { $1 }
            environment["NOTIFY_SOCKET"] = notify.path
            environment["WATCHDOG_USEC"] = String(watchdogMicroseconds)
            process = try BackgroundProcess(Binaries.lacakd, ["run", "--config", configPath, "--log-level", "debug"], environment: environment)
            try await notify.waitFor("READY=1") { $0 == "READY=1" }
        }

        /// A daemon polling `sim` through the Binderbyte preset at the fast test cadence, with
        /// at most `maxInFlight` requests at once.
        convenience init(polling sim: CourierSimProcess, maxInFlight: Int = 8) async throws {
            try await self.init { directory in
                TestConfig.binderbyte(port: sim.port, root: directory.path, extraDaemon: DaemonTests.fastPolling)
                    .replacingOccurrences(of: "max_in_flight = 8", with: "max_in_flight = \(maxInFlight)")
            }
        }

        func drop(_ name: String, _ text: String) throws {
            // Written beside and renamed in, as intake writers should.
            let temporary = try directory.write("spool/incoming/.\(name).part", text)
            try FileManager.default.moveItem(atPath: temporary, toPath: directory.join("spool/incoming/" + name))
        }

        func snapshot(_ orderID: String) -> JSONValue? {
            guard let text = try? directory.read("spool/orders/\(orderID).json") else { return nil }
            return try? JSONParser().parse(text)
        }

        func carrierStatus(_ orderID: String) -> String? {
            snapshot(orderID)?["status"]?["carrier"]?.stringValue
        }

        func waitUntil(timeout: Double = 60, _ description: String, _ condition: () -> Bool) async throws {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if condition() { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestFailure("timed out waiting for \(description); daemon log:\n\(log)")
        }

        var log: String { process.stderrCollector.snapshot() }

        func notifications() throws -> [JSONValue] {
            try directory.list("spool/notifications/new").map { try JSONParser().parse(try directory.read("spool/notifications/new/" + $0)) }
        }
    }

    @Test func tracksDroppedOrdersAndSpeaksSystemd() async throws {
        let sim = try CourierSimProcess(speed: 36_000, scenarios: ["JX10001": "delivered", "JT10002": "returned"])
        let daemon = try await Running(polling: sim)
        try daemon.drop("orders.jsonl", """
            {"order_id": "D-1", "tracking_number": "JX10001", "courier": "jne", "status": "AWAITING_COLLECTION"}
            {"order_id": "D-2", "tracking_number": "JT10002", "courier": "jnt"}
            """)
        try await daemon.waitUntil("D-1 delivered and D-2 returned") {
            daemon.carrierStatus("D-1") == "delivered" && daemon.carrierStatus("D-2") == "returned"
        }
        let titles = try daemon.notifications().filter { $0["audience"]?.stringValue == "buyer" && $0["order_id"]?.stringValue == "D-1" }.compactMap { $0["title"]?.stringValue }
        #expect(titles.first == "Store Update: Order Created")
        #expect(titles.last == "Store Update: Order Delivered")

        try await daemon.notify.waitFor("WATCHDOG=1") { $0 == "WATCHDOG=1" }
        try await daemon.notify.waitFor("a STATUS= line") { $0.hasPrefix("STATUS=tracking ") }
        await daemon.process.stopExpectingSuccess(timeout: 20)
        let lines = daemon.notify.lines
        #expect(lines.first == "READY=1")
        #expect(lines.contains("STOPPING=1"))
        #expect(lines.contains { $0.hasPrefix("STATUS=tracking") && $0.contains("courier") })
    }

    /// `lacakd --check` run again and again next to the daemon, on the same state and spool:
    /// SQLite orders their writes, the spool lock their publishing; nothing is delivered twice.
    @Test func checkRunsSafelyBesideTheDaemon() async throws {
        let sim = try CourierSimProcess(speed: 36_000)
        let daemon = try await Running(polling: sim)
        let orders = (1...15).map { #"{"order_id": "C-\#($0)", "tracking_number": "JX7000\#(String(format: "%02d", $0))0", "courier": "jne"}"# }
        try daemon.drop("orders.jsonl", orders.joined(separator: "\n"))
        var checks: [Int32] = []
        for round in 0..<6 {
            if round == 2 { try daemon.drop("more.json", #"{"order_id": "C-99", "tracking_number": "JX71000990", "courier": "jne"}"#) }
            checks.append(try await runProcess(Binaries.lacakd, ["--check", "--all", "--config", daemon.configPath], environment: TestConfig.environment).status)
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(checks.allSatisfy { $0 == 0 }, "\(checks)")
        try await daemon.waitUntil("every order final") {
            (1...15).allSatisfy { ["delivered", "returned", "pending"].contains(daemon.carrierStatus("C-\($0)") ?? "") } && daemon.carrierStatus("C-99") != nil
        }
        await daemon.process.stopExpectingSuccess(timeout: 20)

        let store = try SQLiteStateStore(directory: daemon.directory.join("state"))
        let owed = try store.sql { try Int.fetchOne($0, sql: "SELECT SUM(notifications) FROM status_changes") ?? -1 }
        let notes = try daemon.notifications()
        #expect(notes.count == owed)
        let keys = notes.compactMap { note -> String? in
            guard let id = note["id"]?.stringValue else { return nil }
            return id
        }
        #expect(Set(keys).count == keys.count, "a notification was delivered twice")
        // One "Order Created" per order and audience, whoever ingested it.
        let created = notes.filter { $0["kind"] == .string("order_created") }
        #expect(created.count == 16 * 2)
        #expect(try store.readNow("pending") { try $0.pendingOutboxCount() } == 0)
        #expect(try store.integrityCheck() == "ok")
    }

    /// A notify socket nobody reads fills up after a few datagrams; the daemon must drop its
    /// pings rather than block on them.
    @Test func neverBlocksOnAFullNotifySocket() async throws {
        let sim = try CourierSimProcess(speed: 36_000)
        let directory = TestDirectory("daemon")
        let socketPath = directory.join("deaf.sock")
        let deaf = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(deaf) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in socketPath.utf8.enumerated() { buffer[index] = byte }
        }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(deaf, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        let config = try directory.write("lacak.toml", TestConfig.binderbyte(port: sim.port, root: directory.path, extraDaemon: Self.fastPolling))
        var environment = TestConfig.environment
        environment["NOTIFY_SOCKET"] = socketPath
        environment["WATCHDOG_USEC"] = "100000"
        let process = try BackgroundProcess(Binaries.lacakd, ["run", "--config", config], environment: environment)
        // Fifty pings at 50 ms: far more than the socket queue holds.
        try await Task.sleep(for: .milliseconds(2500))
        try directory.write("spool/incoming/a.json", #"{"order_id": "N-1", "tracking_number": "JX90001", "courier": "jne"}"#)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !FileManager.default.fileExists(atPath: directory.join("spool/orders/N-1.json")) { try await Task.sleep(for: .milliseconds(100)) }
        #expect(FileManager.default.fileExists(atPath: directory.join("spool/orders/N-1.json")), "the daemon kept working")
        await process.stopExpectingSuccess(timeout: 20)
    }

    @Test func reloadsConfigOnHangupAndKeepsRunningOnBrokenConfig() async throws {
        let sim = try CourierSimProcess(speed: 36_000, scenarios: ["JT20001": "delivered", "JX20002": "delivered"])
        let onlyJNE = { (directory: TestDirectory) in
            TestConfig.binderbyte(port: sim.port, root: directory.path, extraDaemon: Self.fastPolling)
                .replacingOccurrences(of: "codes = [\"jne\", \"jnt\", \"sicepat\"]", with: "codes = [\"jne\"]")
        }
        let daemon = try await Running(config: onlyJNE)
        // No courier serves J&T yet: the order waits, unassigned.
        try daemon.drop("a.json", #"{"order_id": "R-1", "tracking_number": "JT20001", "courier": "jnt"}"#)
        try await daemon.waitUntil("R-1 to be looked at") { daemon.snapshot("R-1")?["last_error"]?.stringValue?.contains("no configured courier") == true }
        #expect(daemon.carrierStatus("R-1") == "pending")

        // A second courier for J&T, then SIGHUP.
        let second = TestConfig.binderbyte(port: sim.port, root: daemon.directory.path, courierID: "second")
            .components(separatedBy: "[[courier]]")[1]
            .replacingOccurrences(of: "codes = [\"jne\", \"jnt\", \"sicepat\"]", with: "codes = [\"jnt\"]")
        try daemon.directory.write("lacak.toml", onlyJNE(daemon.directory) + "\n[[courier]]" + second)
        daemon.process.signal(SIGHUP)
        try await daemon.notify.waitFor("RELOADING=1") { $0 == "RELOADING=1" }
        try await daemon.waitUntil("R-1 delivered through the new courier") { daemon.carrierStatus("R-1") == "delivered" }
        #expect(daemon.snapshot("R-1")?["courier"]?["provider"] == .string("second"))

        // A broken config is refused; the daemon keeps working with the last good one.
        try daemon.directory.write("lacak.toml", "[daemon]\nspool_dir = 42\n")
        let readyBefore = daemon.notify.lines.filter { $0 == "READY=1" }.count
        daemon.process.signal(SIGHUP)
        try await daemon.waitUntil("the reload error in the log") { daemon.log.contains("reload failed, keeping the running configuration") }
        #expect(daemon.log.contains("lacak.toml:2: daemon.spool_dir: expected a string, found a number"))
        try await daemon.notify.waitFor("READY=1 after the failed reload") { _ in daemon.notify.lines.filter { $0 == "READY=1" }.count > readyBefore }
        try daemon.drop("b.json", #"{"order_id": "R-2", "tracking_number": "JX20002", "courier": "jne"}"#)
        try await daemon.waitUntil("R-2 delivered after the failed reload") { daemon.carrierStatus("R-2") == "delivered" }
        #expect(daemon.process.process.isRunning)
        await daemon.process.stopExpectingSuccess(timeout: 20)
    }

    @Test func stopsMidPollWithoutLosingOrDuplicating() async throws {
        // Every answer takes 1.5 s; SIGTERM arrives while requests are in flight.
        let sim = try CourierSimProcess(speed: 36_000, extra: ["--fault", "delay:1.5"])
        let daemon = try await Running(polling: sim, maxInFlight: 4)
        let orders = (1...12).map { #"{"order_id": "S-\#($0)", "tracking_number": "JX3000\#(String(format: "%02d", $0))", "courier": "jne"}"# }
        try daemon.drop("orders.jsonl", orders.joined(separator: "\n"))
        try await daemon.waitUntil("requests in flight") { (try? sim.requestCount()) ?? 0 >= 2 }
        await daemon.process.stopExpectingSuccess(timeout: 20)
        #expect(daemon.log.contains("letting requests in flight finish"))

        // Everything accepted is in state, every owed notification is delivered exactly once.
        let store = try SQLiteStateStore(directory: daemon.directory.join("state"))
        #expect(try store.readNow("count") { try $0.orderCount() } == 12)
        #expect(try store.readNow("pending") { try $0.pendingOutboxCount() } == 0)
        let owed = try store.sql { try Int.fetchOne($0, sql: "SELECT SUM(notifications) FROM status_changes") ?? -1 }
        let files = daemon.directory.list("spool/notifications/new")
        #expect(files.count == owed)
        let ids = try daemon.notifications().compactMap { $0["id"]?.stringValue }
        #expect(Set(ids).count == ids.count)
        #expect(try store.integrityCheck() == "ok")
        #expect(daemon.directory.list("spool/notifications/tmp").isEmpty)
    }

    @Test func obeysRetryAfterToTheSecond() async throws {
        // Two lookups per 3-second window; the third gets 429 with Retry-After.
        let sim = try CourierSimProcess(speed: 36_000, extra: ["--quota", "2/3"])
        let daemon = try await Running(polling: sim, maxInFlight: 1)
        try daemon.drop("orders.jsonl", (1...6).map { #"{"order_id": "Q-\#($0)", "tracking_number": "JX4000\#($0)0", "courier": "jne"}"# }.joined(separator: "\n"))
        try await daemon.waitUntil(timeout: 40, "a 429 and the lookups after it") {
            let log = (try? sim.requestLog()) ?? []
            guard let limited = log.firstIndex(where: { $0.status == 429 }) else { return false }
            return log[(limited + 1)...].contains { $0.status == 200 }
        }
        let log = try sim.requestLog()
        let limited = try #require(log.firstIndex { $0.status == 429 })
        let retryAfter = try #require(log[limited].retryAfter)
        let next = try #require(log[(limited + 1)...].first)
        let gap = next.time - log[limited].time
        // Nothing before Retry-After has passed, and not much after it.
        #expect(gap >= Double(retryAfter) - 0.05, "asked again after \(gap)s, Retry-After was \(retryAfter)s")
        #expect(gap < Double(retryAfter) + 1.5, "waited \(gap)s for a Retry-After of \(retryAfter)s")
        await daemon.process.stopExpectingSuccess(timeout: 20)
    }

    /// SIGTERM while workers wait out a courier's Retry-After (20 s: longer than the 8 s
    /// shutdown bound, shorter than the 30 s a round is willing to wait): nothing is in flight,
    /// so the daemon stops at once instead of abandoning "requests" after the bound.
    @Test func stopsWithoutWaitingOutACouriersPause() async throws {
        let sim = try CourierSimProcess(speed: 36_000, extra: ["--fault", "ratelimit:20"])
        // One request at a time, so the next one waits for the pause instead of failing beside the first.
        let daemon = try await Running(polling: sim, maxInFlight: 1)
        try daemon.drop("orders.jsonl", (1...6).map { #"{"order_id": "P-\#($0)", "tracking_number": "JX4100\#($0)0", "courier": "jne"}"# }.joined(separator: "\n"))
        try await daemon.waitUntil("the courier's pause") { daemon.log.contains("courier asked to wait 20") }
        let asked = try sim.requestCount()
        let stopping = ContinuousClock.now
        await daemon.process.stopExpectingSuccess(timeout: 20)
        let took = ContinuousClock.now - stopping
        #expect(!daemon.log.contains("abandoned"))
        #expect(took < .seconds(8), "stopping took \(took), the shutdown bound is 8 s")
        // Nobody was asked again before the pause ended.
        #expect(try sim.requestCount() == asked)
    }

    @Test func aFailingCourierDoesNotDelayAnother() async throws {
        let good = try CourierSimProcess(speed: 36_000, scenarios: ["JX50001": "delivered", "JX50002": "delivered"])
        let bad = try CourierSimProcess(speed: 36_000, extra: ["--fault", "hang"])
        let daemon = try await Running { directory in
            let healthy = TestConfig.binderbyte(port: good.port, root: directory.path, courierID: "good", extraDaemon: Self.fastPolling)
                .replacingOccurrences(of: "codes = [\"jne\", \"jnt\", \"sicepat\"]", with: "codes = [\"jne\"]")
            let broken = TestConfig.binderbyte(port: bad.port, root: directory.path, courierID: "bad")
                .components(separatedBy: "[[courier]]")[1]
                .replacingOccurrences(of: "codes = [\"jne\", \"jnt\", \"sicepat\"]", with: "codes = [\"jnt\"]")
                .replacingOccurrences(of: "timeout = \"5s\"", with: "timeout = \"4s\"")
            return healthy + "\n[[courier]]" + broken
        }
        let stuck = (1...20).map { #"{"order_id": "B-\#($0)", "tracking_number": "JT600\#(String(format: "%02d", $0))", "courier": "jnt"}"# }
        try daemon.drop("bad.jsonl", stuck.joined(separator: "\n"))
        try await daemon.waitUntil("the bad courier's orders taken in") { daemon.log.contains("20 record(s) accepted") }
        try await Task.sleep(for: .milliseconds(300))
        let started = Date()
        try daemon.drop("good.jsonl", """
            {"order_id": "G-1", "tracking_number": "JX50001", "courier": "jne"}
            {"order_id": "G-2", "tracking_number": "JX50002", "courier": "jne"}
            """)
        // The simulator delivers in under a second; the bad courier's 4 s timeouts must not matter.
        try await daemon.waitUntil(timeout: 20, "the good courier's orders delivered") {
            daemon.carrierStatus("G-1") == "delivered" && daemon.carrierStatus("G-2") == "delivered"
        }
        #expect(Date().timeIntervalSince(started) < 4, "good orders took \(Date().timeIntervalSince(started))s; log:\n\(daemon.log)")
        // The bad courier's circuit opened: it is not asked about every one of its 20 shipments.
        try await daemon.waitUntil(timeout: 20, "the circuit breaker") { daemon.log.contains("pausing this courier") }
        await daemon.process.stopExpectingSuccess(timeout: 30)
    }
}

extension CourierSimProcess {
    struct LoggedRequest {
        var time: Double
        var status: Int
        var retryAfter: Int?
    }

    /// The simulator's request log (tracking requests only).
    func requestLog() throws -> [LoggedRequest] {
        let data = try BlockingHTTP.get(port: port, path: "/_sim/requests")
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let entries = object?["requests"] as? [[String: Any]] ?? []
        return entries.compactMap { entry in
            guard let time = entry["time"] as? Double, let status = entry["status"] as? Int else { return nil }
            return LoggedRequest(time: time, status: status, retryAfter: entry["retry_after"] as? Int)
        }
    }
}
