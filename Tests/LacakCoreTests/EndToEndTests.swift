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
import GRDB

/// `lacakd --check` as a child process against courier-sim, with real files and SQLite.
@Suite(.serialized) struct EndToEndTests {
    struct Setup {
        let directory = TestDirectory("e2e")
        let sim: CourierSimProcess
        let configPath: String

        init(scenarios: [String: Any], speed: Double = 36_000, extraDaemon: String = "") throws {
            sim = try CourierSimProcess(speed: speed, scenarios: scenarios)
            configPath = try directory.write("lacak.toml", TestConfig.binderbyte(port: sim.port, root: directory.path, extraDaemon: extraDaemon))
        }

        func check(_ extra: [String] = ["--all"], environment: [String: String] = [:]) async throws -> ProcessResult {
            try await runProcess(Binaries.lacakd, ["--check", "--config", configPath] + extra, environment: TestConfig.environment.merging(environment) { $1 })
        }

        func drop(_ name: String, _ text: String) throws {
            try directory.write("spool/incoming/" + name, text)
        }

        func notifications() throws -> [JSONValue] {
            try directory.list("spool/notifications/new").map { try JSONParser().parse(try directory.read("spool/notifications/new/" + $0)) }
        }

        func snapshot(_ orderID: String) throws -> JSONValue {
            try JSONParser().parse(try directory.read("spool/orders/\(orderID).json"))
        }

        /// Runs --check rounds until `done` or the deadline.
        func rounds(until done: () throws -> Bool, timeout: Double = 60) async throws {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let result = try await check()
                #expect(result.status == 0, "lacakd --check failed: \(result.stdout)\(result.stderr)")
                if try done() { return }
                try await Task.sleep(for: .milliseconds(200))
            }
            throw TestFailure("not done after \(timeout)s")
        }
    }

    @Test func tracksOrdersFromCreatedToDelivered() async throws {
        // The failed attempt and the return in progress must each be seen by a poll: one scan
        // per lookup for those two, however slow the machine (sanitizers) runs the rounds.
        let setup = try Setup(scenarios: ["JX50001": "delivered", "JT50002": ["scenario": "failed_then_delivered", "advance": "per_lookup"],
                                          "JX50003": ["scenario": "returned", "advance": "per_lookup"], "JX50004": "not_found"])
        try setup.drop("orders.jsonl", """
            {"order_id": "E-1", "tracking_number": "JX50001", "courier": "jne", "status": "AWAITING_COLLECTION", "meta": {"buyer": "Budi"}}
            {"order_id": "E-2", "tracking_number": "JT50002", "courier": "jnt", "status": "AWAITING_COLLECTION"}
            {"order_id": "E-3", "tracking_number": "JX50003", "courier": "jne"}
            {"order_id": "E-4", "tracking_number": "JX50004", "courier": "jne"}
            """)
        try await setup.rounds(until: {
            let statuses = try ["E-1", "E-2", "E-3"].map { try setup.snapshot($0)["status"]?["carrier"]?.stringValue }
            return statuses == ["delivered", "delivered", "returned"]
        })

        let first = try setup.snapshot("E-1")
        #expect(first["status"]?["buyer"] == .string("received"))
        #expect(first["status"]?["seller"] == .string("completed"))
        #expect(first["courier"]?["code"] == .string("jne"))
        #expect(first["meta"]?["buyer"] == .string("Budi"))
        let events = try #require(first["events"]?.arrayValue)
        #expect(events.count == 7)
        #expect(events.first?["status"] == .string("info_received"))
        #expect(events.last?["status"] == .string("delivered"))
        #expect(events.last?["time"]?.stringValue?.hasSuffix("+07:00") == true)
        let times = events.compactMap { $0["time"]?.stringValue }
        #expect(times == times.sorted())

        let missing = try setup.snapshot("E-4")
        #expect(missing["status"]?["carrier"] == .string("pending"))
        #expect(missing["status"]?["carrier_reason"] == .string("not_found"))

        let notes = try setup.notifications()
        func titles(_ order: String, _ audience: String) -> [String] {
            notes.filter { $0["order_id"]?.stringValue == order && $0["audience"]?.stringValue == audience }.compactMap { $0["title"]?.stringValue }
        }
        let buyerTitles = titles("E-1", "buyer")
        #expect(buyerTitles.first == "Store Update: Order Created")
        #expect(buyerTitles.last == "Store Update: Order Delivered")
        #expect(Set(buyerTitles).count == buyerTitles.count, "no notification twice: \(buyerTitles)")
        #expect(titles("E-2", "buyer").contains("Store Update: Delivery Attempt Failed"))
        #expect(titles("E-3", "seller").last == "Store Update: Order Returned")
        #expect(titles("E-3", "seller").contains("Store Update: Return in Progress"))
        // Every notification file is complete JSON with the fields readers rely on.
        for note in notes {
            for key in ["id", "title", "body", "audience", "order_id", "new_status", "created_at"] {
                #expect(note[key] != nil, "\(key) missing")
            }
        }
        #expect(setup.directory.list("spool/notifications/tmp").isEmpty)
        #expect(setup.directory.list("spool/tmp").isEmpty)

        // Another round changes nothing: no notification is written twice.
        let before = setup.directory.list("spool/notifications/new")
        _ = try await setup.check()
        #expect(setup.directory.list("spool/notifications/new") == before)
    }

    @Test func looksUpOneNumberWithoutTouchingState() async throws {
        let setup = try Setup(scenarios: ["JX60001": "delivered"])
        try await Task.sleep(for: .milliseconds(400))
        let result = try await runProcess(Binaries.lacakd, ["--check", "--config", setup.configPath, "--courier", "jne", "--tracking", "jx60001"], environment: TestConfig.environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("binderbyte JX60001:"))
        #expect(result.stdout.contains("info_received"))
        #expect(result.stdout.contains("SHIPMENT DATA ENTRY AT"))
        #expect(!FileManager.default.fileExists(atPath: setup.directory.join("state/state.sqlite")))
        let unknown = try await runProcess(Binaries.lacakd, ["--check", "--config", setup.configPath, "--courier", "fedex", "--tracking", "JX60001"], environment: TestConfig.environment)
        #expect(unknown.status == 64)
    }

    @Test func exitCodesFollowSysexits() async throws {
        let setup = try Setup(scenarios: [:])
        try setup.drop("o.json", #"{"order_id": "X-1", "tracking_number": "JX70001", "courier": "jne"}"#)
        #expect(try await setup.check().status == 0)

        // A courier that cannot be reached: exit 1, and the table says so.
        let unreachable = try setup.directory.write("down.toml", TestConfig.binderbyte(port: 9, root: setup.directory.path))
        let failed = try await runProcess(Binaries.lacakd, ["--check", "--all", "--config", unreachable], environment: TestConfig.environment)
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("binderbyte"))
        #expect(failed.stdout.contains("cannot connect"))

        let broken = try setup.directory.write("broken.toml", "[daemon]\nspool_dir = 5\n")
        let invalid = try await runProcess(Binaries.lacakd, ["--check", "--config", broken])
        #expect(invalid.status == 78)
        #expect(invalid.stderr.contains("broken.toml:2: daemon.spool_dir: expected a string, found a number"))

        let validate = try await runProcess(Binaries.lacakd, ["validate", "--config", setup.configPath], environment: TestConfig.environment)
        #expect(validate.status == 0)
        #expect(try await runProcess(Binaries.lacakd, ["validate", "--config", broken]).status == 78)
        #expect(try await runProcess(Binaries.lacakd, ["validate", "--config", setup.configPath]).status == 78, "the API key env variable is unset")
        #expect(try await runProcess(Binaries.lacakd, ["validate", "--skip-secrets", "--config", setup.configPath]).status == 0)
        #expect(try await runProcess(Binaries.lacakd, ["--check", "--bogus"]).status == 64)

        // Logs for journald: a priority prefix and no timestamp; or one JSON object per line.
        let journald = try await runProcess(Binaries.lacakd, ["validate", "--config", broken], environment: ["JOURNAL_STREAM": "8:12345"])
        #expect(journald.stderr.hasPrefix("<3>\(broken):2: daemon.spool_dir"), "\(journald.stderr)")
        let json = try await runProcess(Binaries.lacakd, ["validate", "--log-format", "json", "--config", broken])
        let line = try JSONParser().parse(String(json.stderr.split(separator: "\n").first ?? ""))
        #expect(line["level"] == .string("error"))
        #expect(line["message"]?.stringValue?.contains("daemon.spool_dir") == true)
    }

    /// A crash at each step between commit and delivery, then a normal run: every notification
    /// exists exactly once, under the name it was given when committed.
    @Test(arguments: ["poll.after-commit", "deliver.after-stage", "deliver.after-rename", "intake.after-commit"])
    func deliversExactlyOnceAcrossCrashes(point: String) async throws {
        let setup = try Setup(scenarios: ["JX80001": "delivered", "JX80002": "delivered"], speed: 360_000)
        try setup.drop("o.jsonl", """
            {"order_id": "C-1", "tracking_number": "JX80001", "courier": "jne"}
            {"order_id": "C-2", "tracking_number": "JX80002", "courier": "jne"}
            """)
        // Start both parcels' stories, so the crashed run already sees them delivered.
        for number in ["JX80001", "JX80002"] {
            let warmup = try await runProcess(Binaries.lacakd, ["--check", "--config", setup.configPath, "--courier", "jne", "--tracking", number], environment: TestConfig.environment)
            #expect(warmup.status == 0)
        }
        try await Task.sleep(for: .milliseconds(1500))

        let crashed = try await setup.check(environment: ["LACAK_CRASH_AT": point])
        #expect(crashed.status == 70, "the run should have died at \(point): \(crashed.stdout)\(crashed.stderr)")
        let recovered = try await setup.check()
        #expect(recovered.status == 0, "\(recovered.stdout)\(recovered.stderr)")
        _ = try await setup.check()

        let names = setup.directory.list("spool/notifications/new")
        let notes = try setup.notifications()
        let ids = notes.compactMap { $0["id"]?.stringValue }
        #expect(Set(ids).count == ids.count, "duplicate notification ids: \(ids)")
        #expect(names.count == ids.count)
        let keys = notes.compactMap { note -> String? in
            guard let order = note["order_id"]?.stringValue, let kind = note["kind"]?.stringValue, let audience = note["audience"]?.stringValue else { return nil }
            return "\(order)/\(kind)/\(audience)"
        }
        #expect(Set(keys).count == keys.count, "a notification was delivered twice: \(keys.sorted())")
        #expect(keys.contains("C-1/order_created/buyer"))
        #expect(keys.contains("C-2/order_delivered/seller"))
        #expect(setup.directory.list("spool/notifications/tmp").isEmpty)

        // State agrees: every change with a notification kind has one file per audience.
        let store = try SQLiteStateStore(directory: setup.directory.join("state"))
        let expected = try store.sql { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) * 2 FROM status_changes WHERE kind IS NOT NULL") ?? -1
        }
        #expect(expected == names.count)
        #expect(try store.readNow("pending") { try $0.pendingOutboxCount() } == 0)
        #expect(try store.integrityCheck() == "ok")
    }
}

