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

/// Misreads that correct themselves, shipment-level evidence and unmatched texts, end to end:
/// `lacakd --check` and `lacakd unmatched` as child processes against courier-sim's scripted
/// histories of real J&T texts.
@Suite(.serialized) struct CorrectionTests {
    struct Setup {
        let directory = TestDirectory("correction")
        let sim: CourierSimProcess
        let configPath: String

        init(scripts: [String: Any], speed: Double = 3600, dialect: String = "binderbyte", preset: String = "binderbyte", extraCourier: String = "") throws {
            sim = try CourierSimProcess(speed: speed, scenarios: scripts, extra: ["--dialect", dialect])
            let text = TestConfig.daemon(root: directory.path, extra: "jitter = 0")
                + TestConfig.courier(preset: preset, endpoint: "http://127.0.0.1:\(sim.port)", codes: ["jne", "jnt", "sicepat"], extra: extraCourier)
            configPath = try directory.write("lacak.toml", text)
        }

        func run(_ arguments: [String]) async throws -> ProcessResult {
            try await runProcess(Binaries.lacakd, arguments + ["--config", configPath], environment: TestConfig.environment)
        }

        func check() async throws -> ProcessResult {
            let result = try await run(["--check", "--all"])
            #expect(result.status == 0, "lacakd --check failed: \(result.stdout)\(result.stderr)")
            return result
        }

        /// Asks courier-sim about `numbers` once, without touching state: a simulated story starts
        /// when its number is first asked about.
        func prime(_ numbers: [String], courier: String = "jnt") async throws {
            for number in numbers { _ = try await run(["--check", "--courier", courier, "--tracking", number]) }
            try await Task.sleep(for: .milliseconds(300))
        }

        func buyerKinds() throws -> [String] {
            try directory.list("spool/notifications/new").compactMap { name -> String? in
                let note = try JSONParser().parse(try directory.read("spool/notifications/new/" + name))
                return note["audience"]?.stringValue == "buyer" ? note["kind"]?.stringValue : nil
            }
        }

        func snapshot(_ orderID: String) throws -> JSONValue {
            try JSONParser().parse(try directory.read("spool/orders/\(orderID).json"))
        }
    }

    /// A J&T history as J&T writes it: the drop point "received" the parcel first.
    static let jntHistory = [
        "Manifes", "Paket telah diterima oleh SUKOMANUNGGAL", "Paket akan dikirimkan ke SUB_GATEWAY",
        "Paket telah sampai di SUB_GATEWAY", "Paket akan dikirim ke alamat penerima", "Paket telah diterima",
    ]

    @Test func aMisreadDeliveryIsTakenBackAndTheBuyerToldSo() async throws {
        // A seller's own broad rule (users' rules come first) reads the drop point as the buyer.
        let broadRule = "[[courier.status_rule]]\nmatch = \"diterima oleh\"\nstatus = \"delivered\"\n"
        // One more scan per lookup, so every step is seen however slow the machine (sanitizers).
        let setup = try Setup(scripts: ["JP1000000001": ["texts": Self.jntHistory, "step_minutes": 120, "final": "delivered", "advance": "per_lookup"]], extraCourier: broadRule)
        try setup.directory.write("spool/incoming/o.json", #"{"order_id": "C-1", "tracking_number": "JP1000000001", "courier": "jnt", "status": "AWAITING_COLLECTION"}"#)
        let deadline = Date().addingTimeInterval(90)
        var sawMisread = false
        while Date() < deadline {
            _ = try await setup.check()
            let snapshot = try setup.snapshot("C-1")
            if snapshot["events"]?.arrayValue?.count == 2, snapshot["status"]?["carrier"]?.stringValue == "delivered" { sawMisread = true }
            if snapshot["events"]?.arrayValue?.count == Self.jntHistory.count { break }
        }
        #expect(sawMisread, "the misread was never observed")
        let kinds = try setup.buyerKinds()
        let firstDelivered = try #require(kinds.firstIndex(of: "order_delivered"), "\(kinds)")
        let correction = try #require(kinds.firstIndex(of: "delivery_corrected"), "no correction in \(kinds)")
        #expect(firstDelivered < correction)
        #expect(kinds.lastIndex(of: "order_delivered")! > correction, "delivered again at the real delivery: \(kinds)")
        #expect(kinds.filter { $0 == "delivery_corrected" }.count == 1)
        let snapshot = try setup.snapshot("C-1")
        #expect(snapshot["status"]?["carrier"]?.stringValue == "delivered")
        #expect(snapshot["events"]?.arrayValue?.last?["description"]?.stringValue == "Paket telah diterima")
        // The correction notification says what happened, with the newer scan.
        let note = try setup.directory.list("spool/notifications/new").compactMap { name -> JSONValue? in
            let note = try JSONParser().parse(try setup.directory.read("spool/notifications/new/" + name))
            return note["kind"]?.stringValue == "delivery_corrected" && note["audience"]?.stringValue == "buyer" ? note : nil
        }.first
        #expect(note?["title"]?.stringValue == "Store Update: Delivery Status Corrected")
        #expect(note?["new_status"]?["buyer"]?.stringValue == "in_transit")
        #expect(note?["body"]?.stringValue?.contains("has not been delivered yet") == true, "\(note.map { "\($0)" } ?? "")")
    }

    @Test func withTheJntVocabularyTheSameHistoryNeedsNoCorrection() async throws {
        let setup = try Setup(scripts: ["JP1000000002": ["texts": Self.jntHistory, "step_minutes": 120, "final": "delivered", "advance": "per_lookup"]], speed: 36_000)
        try setup.directory.write("spool/incoming/o.json", #"{"order_id": "C-2", "tracking_number": "JP1000000002", "courier": "jnt", "status": "AWAITING_COLLECTION"}"#)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            _ = try await setup.check()
            if try setup.snapshot("C-2")["status"]?["carrier"]?.stringValue == "delivered" { break }
        }
        let kinds = try setup.buyerKinds()
        #expect(kinds.filter { $0 == "order_delivered" }.count == 1, "\(kinds)")
        #expect(!kinds.contains("delivery_corrected"))
        #expect(kinds.contains("order_shipped"))
    }

    @Test func unmatchedTextsAreCountedAndListed() async throws {
        let odd = "Paket menunggu jadwal keberangkatan pesawat"
        let setup = try Setup(scripts: [
            "JP1000000003": ["texts": ["Manifes", "Paket telah diterima oleh SUKOMANUNGGAL", odd], "step_minutes": 1],
            "JP1000000004": ["texts": ["Manifes", odd], "step_minutes": 1],
        ], speed: 36_000)
        try setup.directory.write("spool/incoming/o.jsonl", """
            {"order_id": "U-1", "tracking_number": "JP1000000003", "courier": "jnt"}
            {"order_id": "U-2", "tracking_number": "JP1000000004", "courier": "jnt"}
            """)
        try await setup.prime(["JP1000000003", "JP1000000004"])
        let first = try await setup.check()
        #expect(first.stderr.contains("no status rule reads this jnt text"), "\(first.stderr)")
        #expect(first.stderr.components(separatedBy: "no status rule reads").count - 1 == 1, "a new wording is logged once: \(first.stderr)")
        let again = try await setup.check()
        #expect(!again.stderr.contains("no status rule reads"), "not logged again: \(again.stderr)")

        let listing = try await setup.run(["unmatched"])
        #expect(listing.status == 0, "\(listing.stderr)")
        let row = String(try #require(listing.stdout.split(separator: "\n").first { $0.contains(odd) }, "\(listing.stdout)"))
        #expect(row.contains("jnt"))
        #expect(row.trimmingCharacters(in: .whitespaces).hasPrefix("2 "), "seen on two parcels: \(row)")
        #expect(row.contains("JP100000000"))
        let filtered = try await setup.run(["unmatched", "--courier", "sicepat"])
        #expect(filtered.stdout.contains("no unmatched texts for sicepat"), "\(filtered.stdout)")
        let json = try await setup.run(["unmatched", "--output", "json"])
        let rows = try JSONParser().parse(Array(json.stdout.utf8)).arrayValue ?? []
        #expect(rows.count == 1, "\(json.stdout)")
        #expect(rows.first?["count"]?.integerValue == 2)
        #expect(rows.first?["courier"]?.stringValue == "jnt")
        #expect(rows.first?["text"]?.stringValue == odd)
    }

    @Test func theAggregatorsVerdictConfirmsAndDisputes() async throws {
        let setup = try Setup(scripts: [
            // Binderbyte's summary says DELIVERED; the last scan's words say nothing.
            "JP1000000005": ["texts": ["Manifes", "Paket telah diterima oleh SUKOMANUNGGAL", "POD diunggah"], "step_minutes": 1, "final": "delivered"],
            // The events say delivered; the summary still says ON PROCESS.
            "JP1000000006": ["texts": ["Manifes", "Paket telah diterima oleh SUKOMANUNGGAL", "Paket telah diterima"], "step_minutes": 1],
        ], speed: 36_000)
        try setup.directory.write("spool/incoming/o.jsonl", """
            {"order_id": "V-1", "tracking_number": "JP1000000005", "courier": "jnt"}
            {"order_id": "V-2", "tracking_number": "JP1000000006", "courier": "jnt"}
            """)
        try await setup.prime(["JP1000000005", "JP1000000006"])
        let first = try await setup.check()
        #expect(try setup.snapshot("V-1")["status"]?["carrier"]?.stringValue == "delivered")
        let disputed = try setup.snapshot("V-2")
        #expect(disputed["status"]?["carrier"]?.stringValue == "delivered")
        #expect(first.stderr.contains("V-2 JP1000000006: the events say delivered, the shipment status says \"ON PROCESS\""), "\(first.stderr)")
        // Polled again (the confirmation), it stays disputed, is not logged again, and polling goes on.
        let second = try await setup.check()
        #expect(!second.stderr.contains("the events say delivered"), "\(second.stderr)")
        #expect(try setup.snapshot("V-2")["next_check"] != .null, "a disputed delivery is not final")
        _ = try await setup.check()
        #expect(try setup.snapshot("V-1")["next_check"] == .null, "a confirmed delivery stops polling")
    }

    @Test func rajaOngkirsProofOfDeliveryIsADeliveredEvent() async throws {
        let setup = try Setup(scripts: ["JX1000000007": ["texts": ["SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [JAKARTA]", "WITH DELIVERY COURIER [BANDUNG]"], "step_minutes": 1, "final": "delivered"]],
                              speed: 36_000, dialect: "rajaongkir", preset: "rajaongkir")
        try await setup.prime(["JX1000000007"], courier: "jne")
        let lookup = try await setup.run(["--check", "--courier", "jne", "--tracking", "JX1000000007"])
        #expect(lookup.status == 0, "\(lookup.stderr)")
        #expect(lookup.stdout.contains(": delivered"), "\(lookup.stdout)")
        #expect(lookup.stdout.contains("Delivered to "), "\(lookup.stdout)")
        #expect(lookup.stdout.contains("(proof of delivery)"), "\(lookup.stdout)")
    }
}
