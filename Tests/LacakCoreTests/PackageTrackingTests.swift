import Foundation
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakStore

/// Orders of several packages through state and through `lacakd --check` against courier-sim.
@Suite(.serialized) struct PackageTrackingTests {
    static let now = Timestamp(seconds: 1_790_000_000)

    @Test func stateKeepsEachPackageWithItsOwnEvents() throws {
        let directory = TestDirectory("lacak-packages")
        let store = try SQLiteStateStore(directory: directory.join("state"))
        var order = Order(orderID: "S-1", shopStatus: .inTransit, now: Self.now)
        var first = Shipment(trackingNumber: "JX80001", packageID: "PKG-1", courierCode: "jne", courierID: "binderbyte", now: Self.now)
        first.carrier = CarrierState(status: .inTransit, reason: nil, statusTime: Self.now)
        first.nextCheck = Self.now.adding(seconds: 3600)
        first.courierCandidates = nil
        var second = Shipment(trackingNumber: "JT80002", courierCode: "jnt", now: Self.now.adding(seconds: 1))
        second.courierCandidates = ["jnt", "jne"]
        order.shipments = [first, second]
        order.view = OrderView.derive(shop: order.shopStatus, shipments: order.shipments)
        let scan = TrackingEvent(time: Self.now, description: "Paket diterima di gudang", status: .inTransit)
        let other = TrackingEvent(time: Self.now, description: "Manifested", status: .infoReceived)
        try store.writeNow("save") { transaction in
            try transaction.save(order, previous: nil)
            try transaction.insertEvents([scan], orderID: "S-1", trackingNumber: "JX80001", seenAt: Self.now)
            try transaction.insertEvents([other], orderID: "S-1", trackingNumber: "JT80002", seenAt: Self.now)
        }
        let stored = try #require(try store.readNow("read") { try $0.order("S-1") })
        #expect(stored == order)
        let events = try store.readNow("read") { try $0.events("S-1") }
        #expect(events["JX80001"]?.map(\.description) == ["Paket diterima di gudang"])
        #expect(events["JT80002"]?.map(\.description) == ["Manifested"])
        #expect(try store.readNow("read") { try $0.dueShipments(now: Self.now.adding(seconds: 7200), all: false, limit: 10) }.map(\.trackingNumber) == ["JX80001"])

        // Relabelling the second package deletes it with its events; the first keeps its own.
        var relabelled = stored
        relabelled.shipments[1] = Shipment(trackingNumber: "JT80003", courierCode: "jnt", now: Self.now.adding(seconds: 2))
        try store.writeNow("save") { try $0.save(relabelled, previous: stored) }
        let after = try store.readNow("read") { try $0.events("S-1") }
        #expect(after.keys.sorted() == ["JX80001"])
        #expect(try store.readNow("read") { try $0.order("S-1") }?.shipments.map(\.trackingNumber) == ["JX80001", "JT80003"])
    }

    @Test func eachPackageIsTrackedToDeliveryAndNotificationsNameIt() async throws {
        let setup = try EndToEndTests.Setup(scenarios: ["JX81001": "delivered", "JX81002": "delivered"])
        try setup.drop("orders.jsonl", """
            {"order_id": "M-1", "status": "AWAITING_COLLECTION", "courier": "jne", "packages": [{"tracking_number": "JX81001", "package_id": "PKG-A"}, {"tracking_number": "JX81002", "package_id": "PKG-B"}], "meta": {"buyer": "Sari"}}
            {"order_id": "M-2", "tracking_number": "JX81001", "courier": "jne"}
            """)
        try await setup.rounds(until: {
            try setup.snapshot("M-1")["packages"]?.arrayValue?.compactMap { $0["status"]?["carrier"]?.stringValue } == ["delivered", "delivered"]
        })
        let snapshot = try setup.snapshot("M-1")
        #expect(snapshot["status"]?["buyer"] == .string("received"))
        #expect(snapshot["tracking_number"] == .null, "several packages: the top-level package fields are empty")
        #expect(snapshot["events"]?.arrayValue?.isEmpty == true)
        let packages = try #require(snapshot["packages"]?.arrayValue)
        #expect(packages.map { $0["package_id"]?.stringValue } == ["PKG-A", "PKG-B"])
        #expect(packages.map { $0["tracking_number"]?.stringValue } == ["JX81001", "JX81002"])
        #expect(packages.allSatisfy { $0["courier"]?["code"] == .string("jne") && ($0["events"]?.arrayValue?.count ?? 0) >= 5 })

        // A one-package order keeps its fields where they were, and lists its package too.
        let single = try setup.snapshot("M-2")
        #expect(single["tracking_number"] == .string("JX81001"))
        #expect(single["packages"]?.arrayValue?.count == 1)
        #expect(single["events"]?.arrayValue?.count == single["packages"]?.arrayValue?.first?["events"]?.arrayValue?.count)

        let notes = try setup.notifications().filter { $0["order_id"] == .string("M-1") && $0["audience"] == .string("buyer") }
        let kinds = notes.compactMap { $0["kind"]?.stringValue }
        #expect(kinds.first == "order_created")
        #expect(kinds.filter { $0 == "package_delivered" }.count == 1, "\(kinds)")
        #expect(kinds.last == "order_delivered")
        let partly = try #require(notes.first { $0["kind"] == .string("package_delivered") })
        let fully = try #require(notes.last)
        #expect(partly["packages"] == .integer(2))
        #expect(Set([partly["tracking_number"]?.stringValue, fully["tracking_number"]?.stringValue]) == ["JX81001", "JX81002"], "each names its own package")
        #expect(partly["package_id"] != .null)
        #expect(partly["body"]?.stringValue?.contains(partly["tracking_number"]?.stringValue ?? "?") == true)
    }
}
