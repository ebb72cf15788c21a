import Foundation
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakStore
@testable import LacakConfig
@testable import LacakSpool
@testable import LacakIntake
@testable import LacakPipeline
@testable import LacakDaemon
import GRDB

/// A state database written by an earlier release is migrated in place on first start and
/// keeps its orders, events, status history and the notifications it still owed.
///
/// `Tests/Fixtures/state-v3.sqlite` was made by `tools/make-state-fixture.sh` with the release
/// whose schema ended at migration v3 (one shipment per order): the five demo orders, tracked
/// for a few rounds, then DEMO-1005 cancelled by the buyer and the process killed right after
/// that commit, so its two cancellation notifications were never written into the spool.
@Suite struct UpgradeTests {
    static let fixture = Binaries.packageRoot + "/Tests/Fixtures/state-v3.sqlite"

    /// A copy of the fixture as `state/state.sqlite` under a fresh directory.
    static func copyOfFixture() throws -> TestDirectory {
        let directory = TestDirectory("lacak-upgrade")
        try FileManager.default.createDirectory(atPath: directory.join("state"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture, toPath: directory.join("state/state.sqlite"))
        return directory
    }

    @Test func aDatabaseFromTheOneShipmentReleaseKeepsItsOrdersAndEvents() throws {
        let directory = try Self.copyOfFixture()
        let store = try SQLiteStateStore(directory: directory.join("state"))
        let orders = try store.readNow("read") { transaction in
            try transaction.orders(["DEMO-1001", "DEMO-1002", "DEMO-1003", "DEMO-1004", "DEMO-1005"])
        }
        #expect(orders.count == 5)
        let first = try #require(orders["DEMO-1001"])
        #expect(first.soleShipment?.trackingNumber == "JX2611280001")
        #expect(first.soleShipment?.courierCode == "jne")
        #expect(first.courierCode == nil, "a tracked order's code may have been detected: it stays on the package")
        #expect(first.soleShipment?.carrier.status == .inTransit)
        #expect(first.view.buyer == .inTransit)
        #expect(first.view.seller == .inShipping)
        #expect(first.meta?.contains("\"Budi\"") == true)
        let cancelled = try #require(orders["DEMO-1005"])
        #expect(cancelled.view.buyer == .cancelled)
        #expect(cancelled.soleShipment?.trackingNumber == nil)
        let events = try store.readNow("read") { try $0.events("DEMO-1001", trackingNumber: "JX2611280001") }
        #expect(events.count >= 1)
        #expect(events.allSatisfy { !$0.description.isEmpty })
        let total = try store.readNow("read") { transaction in
            try ["DEMO-1001", "DEMO-1002", "DEMO-1003", "DEMO-1004"].map { try transaction.events($0).values.map(\.count).reduce(0, +) }.reduce(0, +)
        }
        #expect(total == 6)
        // Each tracked order became an order with that one package; snapshots already written
        // stay as they are until their order changes (a million rewrites would hold up start).
        #expect(orders.values.map(\.shipments.count).sorted() == [0, 1, 1, 1, 1])
        // Owed as before the upgrade: only the snapshot of the cancellation the kill cut off.
        #expect(orders.values.filter { $0.version > $0.writtenVersion }.map(\.orderID) == ["DEMO-1005"])
        let named = try store.sql { try String?.fetchAll($0, sql: "SELECT tracking_number FROM status_changes WHERE order_id = 'DEMO-1001'") }
        #expect(!named.isEmpty && named.allSatisfy { $0 == "JX2611280001" })
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func notificationsOwedBeforeTheUpgradeAreDeliveredOnceAfterIt() throws {
        let directory = try Self.copyOfFixture()
        let store = try SQLiteStateStore(directory: directory.join("state"))
        #expect(try store.readNow("read") { try $0.pendingOutboxCount() } == 2)
        let layout = SpoolLayout(root: directory.join("spool"))
        try layout.create()
        var publisher = SpoolPublisher(layout: layout, store: store, zone: .utc, courierNames: [:], lockDirectory: directory.join("state"))
        publisher.lockTimeout = 5
        _ = try publisher.publish()
        let written = directory.list("spool/notifications/new")
        #expect(written == ["1796167810153.000000000012-buyer.json", "1796167810153.000000000012-seller.json"])
        let buyer = try directory.read("spool/notifications/new/1796167810153.000000000012-buyer.json")
        #expect(buyer.contains("\"kind\": \"order_cancelled\""))
        #expect(buyer.contains("\"order_id\": \"DEMO-1005\""))
        #expect(try store.readNow("read") { try $0.pendingOutboxCount() } == 0)
        _ = try publisher.publish()
        #expect(directory.list("spool/notifications/new").count == 2)
    }
}
