import Foundation
import Logging
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakIntake
@testable import LacakTikTokShop
@testable import LacakPipeline

/// Export files dropped into `incoming/`, through the pipeline into state.
@Suite struct ExportIntakePipelineTests {
    func pipeline(_ directory: TestDirectory, extra: String = "") throws -> TrackingPipeline {
        let config = try ConfigLoader(environment: TestConfig.environment).load(text: TestConfig.binderbyte(port: 9, root: directory.path) + extra, path: directory.join("lacak.toml"))
        return try TrackingPipeline(config: config, client: HTTPClient(), logger: Logger(label: "test"))
    }

    @Test func aCSVExportBecomesOrdersAndTheSameWorkbookLaterChangesNothing() async throws {
        let directory = TestDirectory()
        let pipeline = try pipeline(directory)
        try directory.write("spool/incoming/x", "")
        try Data(SellerCenterExportTests.sample.csv()).write(to: URL(fileURLWithPath: directory.join("spool/incoming/OrderSKUList-1.csv")))
        let first = await pipeline.ingest()
        #expect(first.files == 1)
        #expect(first.created == 8)
        #expect(first.rejected == 0)
        #expect(directory.list("spool/incoming") == ["x"])
        let orders = try pipeline.store.readNow("t") { try $0.orders((1...8).map { OrderID(trusted: "57700000000000000\($0)") }) }
        let byID = Dictionary(uniqueKeysWithValues: orders.map { ($0.key.rawValue, $0.value) })
        #expect(byID["577000000000000004"]?.shipments.map(\.trackingNumber) == ["004000100001", "JX1000402"])
        #expect(byID["577000000000000004"]?.shipments.map(\.packageID) == ["1150000000000041", "1150000000000042"])
        #expect(byID["577000000000000002"]?.view == OrderView(buyer: .waitingForDelivery, seller: .readyToShip))
        #expect(byID["577000000000000005"]?.view == OrderView(buyer: .cancelled, seller: .cancelled))
        #expect(byID["577000000000000006"]?.view == OrderView(buyer: .returnsRefund, seller: .return))
        #expect(byID["577000000000000007"]?.view == OrderView(buyer: .unpaid, seller: .newOrder))
        // Detected from the number, since the export's provider name is unknown.
        #expect(byID["577000000000000008"]?.soleShipment?.courierCode == "jnt")

        // The same orders exported again, as a workbook with real date cells: nothing changes.
        var again = SellerCenterExportTests.sample
        for index in again.rows.indices {
            for column in ["Created Time", "Cancelled Time"] {
                guard let text = again.rows[index][column], !text.isEmpty else { continue }
                let time = try #require(SellerCenterExport.time(text, patterns: TikTokShopSettings().timeFormats, zone: SellerCenterExportTests.zone))
                let civil = SellerCenterExportTests.zone.civil(time)
                again.rows[index][column] = String(format: "%04d-%02d-%02d %02d:%02d:%02d", civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second)
            }
        }
        try await again.xlsx(at: directory.join("spool/incoming/.OrderSKUList-2.xlsx"), sharedStrings: true, dateColumns: ["Created Time", "Cancelled Time"])
        #expect(rename(directory.join("spool/incoming/.OrderSKUList-2.xlsx"), directory.join("spool/incoming/OrderSKUList-2.xlsx")) == 0)
        let second = await pipeline.ingest()
        #expect(second.files == 1)
        #expect(second.accepted == 8)
        #expect(second.created == 0)
        #expect(second.updated == 0)
        #expect(second.notifications == 0)
        let unchanged = try pipeline.store.readNow("t") { try $0.orders((1...8).map { OrderID(trusted: "57700000000000000\($0)") }) }
        #expect(unchanged.mapValues(\.meta) == orders.mapValues(\.meta))
        #expect(unchanged.mapValues(\.version) == orders.mapValues(\.version))
    }

    @Test func aLaterExportMovesOrdersOn() async throws {
        let directory = TestDirectory()
        let pipeline = try pipeline(directory)
        var sheet = ExportSheet()
        sheet.rows = [["Order ID": "5770301", "Order Status": "To ship", "Order Substatus": "Awaiting shipment"]]
        try Data(sheet.csv()).write(to: URL(fileURLWithPath: directory.join("spool/incoming/1.csv")))
        _ = await pipeline.ingest()
        sheet.rows = [["Order ID": "5770301", "Order Status": "Shipped", "Order Substatus": "In transit", "Tracking ID": "JX1030101", "Shipping Provider Name": "JNE", "Package ID": "PK-1"]]
        try Data(sheet.csv()).write(to: URL(fileURLWithPath: directory.join("spool/incoming/2.csv")))
        let second = await pipeline.ingest()
        #expect(second.updated == 1)
        let order = try #require(try pipeline.store.readNow("t") { try $0.order("5770301") })
        #expect(order.view == OrderView(buyer: .inTransit, seller: .inShipping))
        #expect(order.soleShipment?.trackingNumber == "JX1030101")
        #expect(order.soleShipment?.packageID == "PK-1")
        #expect(order.soleShipment?.courierCode == "jne")
    }

    @Test func aFileWithBadRowsIsRejectedWithRowsNamedAndItsGoodOrdersKept() async throws {
        let directory = TestDirectory()
        let pipeline = try pipeline(directory)
        var sheet = ExportSheet()
        sheet.rows = [
            ["Order ID": "5770401", "Order Status": "To ship"],
            ["Order ID": "5770402", "Order Status": "Mystery"],
        ]
        try Data(sheet.csv()).write(to: URL(fileURLWithPath: directory.join("spool/incoming/orders.csv")))
        try directory.write("spool/incoming/old.xls", "not really a workbook")
        let report = await pipeline.ingest()
        #expect(report.accepted == 1)
        #expect(report.rejected == 2)
        #expect(try pipeline.store.readNow("t") { try $0.order("5770401") } != nil)
        let error = try directory.read("spool/rejected/orders.csv.error")
        #expect(error.contains("the other 1 were accepted"))
        #expect(error.contains("row 3: order 5770402: column Order Status: unknown status 'Mystery'"))
        #expect(try directory.read("spool/rejected/old.xls.error").contains("an Excel 97-2003 workbook (.xls); save it as Excel Workbook (.xlsx) or CSV UTF-8"))
    }

    @Test func theErrorFileOfAHugeBadExportStaysReadable() async throws {
        let directory = TestDirectory()
        let pipeline = try pipeline(directory)
        var sheet = ExportSheet()
        sheet.rows = (0..<1500).map { ["Order ID": "bad id \($0)"] } + [["Order ID": "5770601", "Order Status": "To ship"]]
        try Data(sheet.csv()).write(to: URL(fileURLWithPath: directory.join("spool/incoming/big.csv")))
        let report = await pipeline.ingest()
        #expect(report.accepted == 1)
        #expect(report.rejected == 1500)
        let lines = try directory.read("spool/rejected/big.csv.error").split(separator: "\n")
        #expect(lines.count == 1 + IntakeScanner.maxReportedProblems + 1)
        #expect(lines.last == "…and 500 more")
    }

    @Test func configuredColumnsProvidersAndStatusesAreReadFromTheConfig() async throws {
        let directory = TestDirectory()
        let extra = """

            [tiktokshop]
            time_zone = "Asia/Makassar"
            meta_columns = ["Seller Note"]

            [tiktokshop.columns]
            order_id = ["No Pesanan"]

            [tiktokshop.providers]
            "Kurir Kita" = "sicepat"

            [tiktokshop.statuses]
            "Sedang Diproses" = "awaiting_collection"
            """
        let pipeline = try pipeline(directory, extra: extra)
        var sheet = ExportSheet()
        sheet.headers = ["No Pesanan", "Order Status", "Tracking ID", "Shipping Provider Name", "Created Time", "Seller Note"]
        sheet.rows = [["No Pesanan": "5770501", "Order Status": "Sedang Diproses", "Tracking ID": "004000500001", "Shipping Provider Name": "Kurir Kita",
                       "Created Time": "30/09/2026 22:58:49", "Seller Note": "bubble wrap"]]
        try Data(sheet.csv()).write(to: URL(fileURLWithPath: directory.join("spool/incoming/orders.csv")))
        let report = await pipeline.ingest()
        #expect(report.created == 1)
        let order = try #require(try pipeline.store.readNow("t") { try $0.order("5770501") })
        #expect(order.shopStatus == .awaitingCollection)
        #expect(order.soleShipment?.courierCode == "sicepat")
        let meta = try JSONParser().parse(try #require(order.meta))
        #expect(meta["created_time"]?.stringValue == "2026-09-30T22:58:49+08:00")
        #expect(meta["Seller Note"]?.stringValue == "bubble wrap")
    }
}
