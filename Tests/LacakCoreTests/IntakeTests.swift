import Foundation
import Logging
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

@Suite struct IntakeRecordTests {
    func record(_ json: String) throws -> IntakeRecord {
        try IntakeRecord(json: try JSONParser().parse(json))
    }

    @Test func readsAndNormalisesFields() throws {
        let value = try record(#"{"order_id": 576123, "tracking_number": " jx 1234 5678 ", "courier": "JNE", "status": "AWAITING_COLLECTION", "meta": {"buyer": "Budi"}, "ignored": 1}"#)
        #expect(value == IntakeRecord(orderID: "576123", trackingNumber: "JX12345678", courier: "jne", shopStatus: .awaitingCollection, meta: #"{"buyer":"Budi"}"#))
    }

    @Test(arguments: [
        (#"{"tracking_number": "JX12345"}"#, "order_id is missing"),
        (#"{"order_id": "../../etc/passwd"}"#, "order_id cannot start with '.'"),
        (#"{"order_id": "a/b"}"#, "order_id may only contain"),
        (#"{"order_id": "a b"}"#, "order_id may only contain"),
        (#"{"order_id": "ok", "tracking_number": "JX1?x=1"}"#, "tracking_number may only contain"),
        (#"{"order_id": "ok", "tracking_number": "JX1\r\nHost: evil"}"#, "tracking_number may only contain"),
        (#"{"order_id": "ok", "tracking_number": "AB"}"#, "tracking_number must be 5-40 characters"),
        (#"{"order_id": "ok", "status": "SHIPPED_SOMEHOW"}"#, "unknown status"),
        (#"{"order_id": "ok", "courier": "j&t"}"#, "is not a courier code"),
        (#"{"order_id": true}"#, "order_id must be a string or a number"),
        (#"["not", "an", "object"]"#, "expected an object"),
        (#"{"order_id": "ok", "tracking_number": "JX10001", "packages": [{"tracking_number": "JX10002"}]}"#, "either tracking_number or packages"),
        (#"{"order_id": "ok", "packages": {"tracking_number": "JX10002"}}"#, "packages must be an array"),
        (#"{"order_id": "ok", "packages": [{"courier": "jne"}]}"#, "packages[0].tracking_number is missing"),
        (#"{"order_id": "ok", "packages": [{"tracking_number": "JX10002"}, "JX10003"]}"#, "packages[1] must be an object"),
        (#"{"order_id": "ok", "packages": [{"tracking_number": "JX1?x=1"}]}"#, "packages[0].tracking_number: tracking_number may only contain"),
        (#"{"order_id": "ok", "packages": [{"tracking_number": "JX10002", "courier": "j&t"}]}"#, "packages[0].courier 'j&t' is not a courier code"),
        (#"{"order_id": "ok", "packages": [{"tracking_number": "JX10002", "package_id": "a b"}]}"#, "packages[0].package_id 'a b' must be at most 64"),
        (#"{"order_id": "ok", "packages": [{"tracking_number": "JX10002"}, {"tracking_number": "jx 10002"}]}"#, "packages[1].tracking_number JX10002 is named twice"),
        (#"{"order_id": "ok", "packages": [{"tracking_number": "JX10002", "package_id": 7}, {"tracking_number": "JX10003", "package_id": "7"}]}"#, "packages[1].package_id 7 is named twice"),
    ])
    func rejectsBadRecordsWithAReason(json: String, reason: String) throws {
        #expect {
            try record(json)
        } throws: { error in
            (error as? IntakeRecordError)?.message.contains(reason) == true
        }
    }

    @Test func readsPackages() throws {
        let value = try record(#"{"order_id": "P-1", "courier": "JNE", "packages": [{"tracking_number": "jx 10002", "package_id": 1152921504606846976}, {"tracking_number": "JT10003", "courier": "jnt", "package_id": "PKG-2"}]}"#)
        #expect(value.trackingNumber == nil)
        #expect(value.courier == "jne")
        #expect(value.packages == [
            .init(trackingNumber: "JX10002", courier: nil, packageID: "1152921504606846976"),
            .init(trackingNumber: "JT10003", courier: "jnt", packageID: "PKG-2"),
        ])
        #expect(try record(#"{"order_id": "P-1", "packages": []}"#).packages.isEmpty)
    }

    @Test func refusesMoreThanTheMostPackages() throws {
        let many = (0...IntakeRecord.maxPackages).map { #"{"tracking_number": "JX\#(10_000 + $0)"}"# }.joined(separator: ",")
        #expect(throws: IntakeRecordError.self) { try record(#"{"order_id": "P-1", "packages": [\#(many)]}"#) }
    }

    @Test func rejectsOverlongIds() {
        #expect(throws: IntakeRecordError.self) { try record(#"{"order_id": "\#(String(repeating: "9", count: 65))"}"#) }
    }
}

@Suite struct IntakeFileTests {
    @Test func keepsGoodRecordsOfAMixedFile() {
        let text = """
            {"order_id": "A-1", "tracking_number": "JX10001"}
            {"order_id": "A-2", "status": "nonsense"}

            not json at all
            {"order_id": "A-3"}\r
            """
        let file = IntakeFile(bytes: Array(text.utf8), lines: true)
        #expect(file.records.map(\.record.orderID) == ["A-1", "A-3"])
        #expect(file.records.map(\.line) == [1, 5])
        #expect(file.problems.map(\.line) == [2, 4])
        #expect(!file.looksIncomplete)
    }

    @Test func namesLinesOfArrayElements() {
        let text = "[\n  {\"order_id\": \"B-1\"},\n  {\"order_id\": \"\"},\n  {\"order_id\": \"B-3\"}\n]\n"
        let file = IntakeFile(bytes: Array(text.utf8), lines: false)
        #expect(file.records.map(\.record.orderID) == ["B-1", "B-3"])
        #expect(file.problems.first?.line == 3)
        #expect(file.problems.first?.reason == "order_id is empty")
    }

    @Test func treatsBrokenJSONAsOneProblemAndTruncationAsIncomplete() {
        let broken = IntakeFile(bytes: Array("[{\"order_id\": \"C-1\"},\n {\"order_id\" \"C-2\"}]".utf8), lines: false)
        #expect(broken.records.isEmpty)
        #expect(broken.problems.first?.line == 2)
        #expect(!broken.looksIncomplete)
        let truncated = IntakeFile(bytes: Array("[{\"order_id\": \"C-1\"},\n {\"order_id\": \"C".utf8), lines: false)
        #expect(truncated.looksIncomplete)
        let partialLine = IntakeFile(bytes: Array("{\"order_id\": \"D-1\"}\n{\"order_id\": \"D".utf8), lines: true)
        #expect(partialLine.looksIncomplete)
        #expect(partialLine.records.count == 1)
    }
}

@Suite struct IntakePipelineTests {
    func pipeline(_ directory: TestDirectory) throws -> TrackingPipeline {
        let config = try ConfigLoader(environment: TestConfig.environment).load(text: TestConfig.binderbyte(port: 9, root: directory.path), path: directory.join("lacak.toml"))
        return try TrackingPipeline(config: config, client: HTTPClient(), logger: Logger(label: "test"))
    }

    @Test func acceptsGoodFilesRejectsBadOnesAndKeepsGoodRecords() async throws {
        let directory = TestDirectory()
        let pipeline = try pipeline(directory)
        try directory.write("spool/incoming/good.json", #"[{"order_id": "G-1", "tracking_number": "JX20001", "courier": "jne"}, {"order_id": "G-2"}]"#)
        try directory.write("spool/incoming/mixed.jsonl", "{\"order_id\": \"M-1\", \"tracking_number\": \"JT30001\", \"courier\": \"jnt\"}\n{\"order_id\": \"M/2\"}\n")
        try directory.write("spool/incoming/broken.json", "{\"order_id\": ")
        try directory.write("spool/incoming/.hidden.json.tmp", "{}")
        try directory.write("spool/incoming/notes.txt", "ignored")
        // An old broken file is rejected (a fresh one might still be being written).
        let brokenPath = directory.join("spool/incoming/broken.json")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: brokenPath)

        let report = await pipeline.ingest()
        #expect(report.files == 3)
        #expect(report.accepted == 3)
        #expect(report.created == 3)
        #expect(report.rejected == 2)
        #expect(directory.list("spool/incoming") == [".hidden.json.tmp", "notes.txt"])
        #expect(directory.list("spool/rejected") == ["broken.json", "broken.json.error", "mixed.jsonl", "mixed.jsonl.error"])
        let explanation = try directory.read("spool/rejected/mixed.jsonl.error")
        #expect(explanation.contains("line 2: order_id may only contain"))
        #expect(explanation.contains("the other 1 were accepted"))
        #expect(try directory.read("spool/rejected/broken.json.error").contains("not valid JSON"))

        let orders = try pipeline.store.readNow("t") { try $0.orders(["G-1", "G-2", "M-1"]) }
        #expect(orders.count == 3)
        #expect(orders["G-1"]?.soleShipment?.courierID == "binderbyte")
        #expect(orders["G-1"]?.soleShipment?.nextCheck != nil)
        #expect(orders["G-2"]?.soleShipment?.nextCheck == nil)
        #expect(orders["G-2"]?.view == OrderView(buyer: .waitingForDelivery, seller: .newOrder))

        try await pipeline.publish()
        #expect(directory.list("spool/orders") == ["G-1.json", "G-2.json", "M-1.json"])
        // Order Created, for buyer and seller, per order.
        #expect(directory.list("spool/notifications/new").count == 6)
    }

    @Test func waitsForAFileThatIsStillBeingWritten() async throws {
        let directory = TestDirectory()
        let pipeline = try pipeline(directory)
        try directory.write("spool/incoming/writing.jsonl", "{\"order_id\": \"W-1\"}\n{\"order_id\": \"W")
        let early = await pipeline.ingest()
        #expect(early.deferred == 1)
        #expect(early.files == 0)
        #expect(directory.list("spool/incoming") == ["writing.jsonl"])
        // The writer finishes the line; the file is taken in whole.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.join("spool/incoming/writing.jsonl")))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("-2\"}\n".utf8))
        try handle.close()
        let done = await pipeline.ingest()
        #expect(done.accepted == 2)
        #expect(done.rejected == 0)
        #expect(directory.list("spool/incoming").isEmpty)
    }

    @Test func updatesKnownOrdersAndIgnoresRepeats() async throws {
        let directory = TestDirectory()
        let pipeline = try pipeline(directory)
        try directory.write("spool/incoming/1.json", #"{"order_id": "U-1", "status": "UNPAID"}"#)
        _ = await pipeline.ingest()
        try directory.write("spool/incoming/2.json", #"{"order_id": "U-1", "status": "AWAITING_COLLECTION", "tracking_number": "JX40001", "courier": "jne"}"#)
        let second = await pipeline.ingest()
        #expect(second.updated == 1)
        // The same record again changes nothing and notifies nobody.
        try directory.write("spool/incoming/3.json", #"{"order_id": "U-1", "status": "AWAITING_COLLECTION", "tracking_number": "JX40001", "courier": "jne"}"#)
        let third = await pipeline.ingest()
        #expect(third.updated == 0)
        #expect(third.notifications == 0)
        var order = try #require(try pipeline.store.readNow("t") { try $0.order("U-1") })
        #expect(order.view == OrderView(buyer: .waitingForDelivery, seller: .readyToShip))
        #expect(order.soleShipment?.trackingNumber == "JX40001")
        #expect(order.soleShipment?.nextCheck != nil)

        try directory.write("spool/incoming/4.json", #"{"order_id": "U-1", "status": "CANCELLED"}"#)
        let cancelled = await pipeline.ingest()
        #expect(cancelled.notifications == 2)
        order = try #require(try pipeline.store.readNow("t") { try $0.order("U-1") })
        #expect(order.view == OrderView(buyer: .cancelled, seller: .cancelled))
        #expect(order.soleShipment?.nextCheck == nil)

        try await pipeline.publish()
        let titles = try directory.list("spool/notifications/new").map { name in
            try JSONParser().parse(try directory.read("spool/notifications/new/" + name))["title"]?.stringValue ?? ""
        }
        #expect(titles.sorted() == ["Store Update: Order Cancelled", "Store Update: Order Cancelled", "Store Update: Order Created", "Store Update: Order Created"])
    }
}
