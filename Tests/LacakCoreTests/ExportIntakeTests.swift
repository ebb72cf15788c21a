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

/// Reading CSV and XLSX files into tables, and their oddities.
@Suite struct TableReaderTests {
    let limits = TableLimits(maxUnpackedBytes: 1 << 20)

    @Test func readsQuotedFieldsLineBreaksAndAByteOrderMark() throws {
        let text = "\u{FEFF}Order ID,Product Name,Quantity\r\n5770001\t,\"Kaos \"\"Polos\"\", hitam\r\nukuran L\",2\r\n\r\n5770002,plain,1"
        let table = try CSVTableReader.read(Array(text.utf8), limits: limits)
        // The blank line is counted, not kept: row numbers stay the spreadsheet's.
        #expect(table.rows.map(\.number) == [1, 2, 4])
        #expect(table.rows[0].cells == ["Order ID", "Product Name", "Quantity"])
        #expect(table.rows[1].cells == ["5770001\t", "Kaos \"Polos\", hitam\r\nukuran L", "2"])
        #expect(table.rows[2].cells == ["5770002", "plain", "1"])
    }

    @Test(arguments: [(";", "\n"), ("\t", "\r\n"), (",", "\r")])
    func detectsTheSeparatorAndLineEnd(separator: String, lineEnd: String) throws {
        let text = ["Order ID", "Tracking ID"].joined(separator: separator) + lineEnd + ["1", "JX10001"].joined(separator: separator) + lineEnd
        let table = try CSVTableReader.read(Array(text.utf8), limits: limits)
        #expect(table.rows.map(\.cells) == [["Order ID", "Tracking ID"], ["1", "JX10001"]])
    }

    @Test func refusesUnreadableText() {
        #expect(throws: TableError(row: 0, "the file is UTF-16 text; export it again as CSV (UTF-8)")) {
            try CSVTableReader.read([0xFF, 0xFE, 0x4F, 0x00], limits: limits)
        }
        #expect(throws: TableError(row: 2, "the text is not UTF-8; export the file again as CSV (UTF-8)")) {
            try CSVTableReader.read(Array("Order ID\n".utf8) + [0x4A, 0xE9, 0x0A], limits: limits)
        }
        var small = limits
        small.maxCellBytes = 8
        #expect(throws: TableError(row: 1, "a cell is longer than 8 bytes")) { try CSVTableReader.read(Array("Order IDs and more".utf8), limits: small) }
        small.maxColumns = 3
        #expect(throws: TableError(row: 1, "more than 3 columns")) { try CSVTableReader.read(Array("a,b,c,d".utf8), limits: small) }
    }

    @Test func blankLinesAndSparseCellsCannotBlowUpMemory() async throws {
        // A megabyte of line ends is one kept row, not a million.
        let blank = try CSVTableReader.read(Array(("Order ID\n" + String(repeating: "\n", count: 1_000_000)).utf8), limits: limits)
        #expect(blank.rows.count == 1)
        var small = limits
        small.maxRows = 3
        #expect(throws: TableError.self) { try CSVTableReader.read(Array("a\nb\nc\nd\n".utf8), limits: small) }

        // A tiny row naming column AMJ (the 1024th) allocates every cell before it: they count.
        let directory = TestDirectory()
        let path = directory.join("sparse.xlsx")
        let script = """
            from zipfile import ZipFile, ZIP_DEFLATED; from sys import argv
            with ZipFile(argv[1], "w", ZIP_DEFLATED) as z:
                z.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="a" sheetId="1" r:id="rId1"/></sheets></workbook>')
                rows = "".join('<row r="%d"><c r="AMJ%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n) for n in range(1, 21))
                z.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData>" + rows + "</sheetData></worksheet>")
            """
        let result = try await runProcess("/usr/bin/env", ["python3", "-c", script, path])
        #expect(result.status == 0, "\(result.stderr)")
        var budget = limits
        budget.maxCells = 10_000
        #expect {
            try XLSXTableReader.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))), limits: budget)
        } throws: { error in
            (error as? TableError)?.message.contains("more than 10000 cells") == true
        }
        #expect(try XLSXTableReader.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))), limits: limits).rows.count == 20)
    }

    @Test func aSheetCutShortOrDeclaringADocumentTypeIsRefused() async throws {
        let directory = TestDirectory()
        for (name, sheet) in [("cut", "<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>Order ID</t></is></c></row>"),
                              ("dtd", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><worksheet><sheetData></sheetData></worksheet>")] {
            let path = directory.join(name + ".xlsx")
            let script = """
                from zipfile import ZipFile, ZIP_DEFLATED; from sys import argv
                with ZipFile(argv[1], "w", ZIP_DEFLATED) as z:
                    z.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="a" sheetId="1" r:id="rId1"/></sheets></workbook>')
                    z.writestr("xl/worksheets/sheet1.xml", argv[2])
                """
            let result = try await runProcess("/usr/bin/env", ["python3", "-c", script, path, sheet])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(throws: TableError.self, "\(name)") { try XLSXTableReader.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))), limits: limits) }
        }
    }

    @Test func anOpenQuoteAtTheEndLooksIncomplete() {
        #expect {
            try CSVTableReader.read(Array("Order ID,Name\n1,\"still being".utf8), limits: limits)
        } throws: { error in
            (error as? TableError)?.looksIncomplete == true && (error as? TableError)?.row == 2
        }
    }

    @Test(arguments: [false, true])
    func readsTheFirstSheetOfAWorkbook(sharedStrings: Bool) async throws {
        let directory = TestDirectory()
        var sheet = ExportSheet()
        sheet.headers = ["Order ID", "Product Name", "Created Time", "Quantity"]
        sheet.rows = [
            ["Order ID": "5770001\t", "Product Name": "Kaos <b>\"Polos\"</b> & co,\nL", "Created Time": "2026-09-30 22:58:49", "Quantity": "2"],
            ["Order ID": "5770002", "Quantity": "1"],
        ]
        let path = directory.join("export.xlsx")
        try await sheet.xlsx(at: path, sharedStrings: sharedStrings, dateColumns: ["Created Time"])
        let table = try XLSXTableReader.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))), limits: limits)
        #expect(table.rows.map(\.number) == [1, 2, 3])
        #expect(table.rows[0].cells == ["Order ID", "Product Name", "Created Time", "Quantity"])
        #expect(table.rows[1][0] == "5770001\t")
        #expect(table.rows[1][1] == "Kaos <b>\"Polos\"</b> & co,\nL")
        // A date cell is a serial number of days since 1899-12-30.
        let serial = try #require(Double(table.rows[1][2]))
        #expect(abs(serial - 46_295.957_511_574) < 0.000_001)
        #expect(table.rows[2][0] == "5770002")
        #expect(table.rows[2][1] == "")
        #expect(table.rows[2][3] == "1")
    }

    /// A workbook whose sheet is `megabytes` of one-cell rows (compressing to very little).
    func repeatedRowWorkbook(megabytes: Int, in directory: TestDirectory) async throws -> (bytes: [UInt8], rows: Int) {
        let path = directory.join("big.xlsx")
        let script = """
            from zipfile import ZipFile, ZIP_DEFLATED; from sys import argv
            with ZipFile(argv[1], "w", ZIP_DEFLATED) as z:
                z.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="a" sheetId="1" r:id="rId1"/></sheets></workbook>')
                row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
                count = int(argv[2]) * 1024 * 1024 // len(row)
                z.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData>" + row * count + "</sheetData></worksheet>")
                print(count)
            """
        let result = try await runProcess("/usr/bin/env", ["python3", "-c", script, path, String(megabytes)])
        #expect(result.status == 0, "\(result.stderr)")
        return (Array(try Data(contentsOf: URL(fileURLWithPath: path))), Int(result.stdout.trimmingWhitespace()) ?? -1)
    }

    @Test func refusesAWorkbookThatUnpacksTooLarge() async throws {
        let directory = TestDirectory()
        let (bytes, _) = try await repeatedRowWorkbook(megabytes: 64, in: directory)
        #expect(bytes.count < 1 << 20)
        #expect(throws: TableError(row: 0, "the workbook unpacks to more than 4194304 bytes; export fewer orders per file")) {
            try XLSXTableReader.read(bytes, limits: TableLimits(maxUnpackedBytes: 4 << 20))
        }
    }

    /// Foundation given a whole sheet at once hands libxml2 one chunk, refused past 10 MB; the
    /// reader streams it (a 20,000-row export's sheet is larger than that).
    @Test func readsASheetOfMoreThanTenMegabytes() async throws {
        let directory = TestDirectory()
        let (bytes, rows) = try await repeatedRowWorkbook(megabytes: 12, in: directory)
        let table = try XLSXTableReader.read(bytes, limits: TableLimits(maxUnpackedBytes: 64 << 20))
        #expect(table.rows.count == rows)
        #expect(table.rows.last?.cells == ["x"])
    }

    @Test func aWorkbookCutShortLooksIncompleteAndOtherFilesAreRefused() async throws {
        let directory = TestDirectory()
        var sheet = ExportSheet()
        sheet.rows = [["Order ID": "5770001"]]
        let path = directory.join("export.xlsx")
        try await sheet.xlsx(at: path)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect {
            try XLSXTableReader.read(Array(bytes.prefix(bytes.count / 2)), limits: limits)
        } throws: { error in
            (error as? TableError)?.looksIncomplete == true
        }
        #expect(throws: TableError.self) { try XLSXTableReader.read(Array("Order ID\n1\n".utf8), limits: limits) }
    }
}

/// Seller Center exports as orders: collapsing rows, statuses, packages, couriers and `meta`.
@Suite struct SellerCenterExportTests {
    static let zone = ZoneRules(identifier: "Asia/Jakarta")!

    /// One order of each kind a shop exports, with the oddities real files have.
    static var sample: ExportSheet {
        var sheet = ExportSheet()
        sheet.descriptions = true
        sheet.rows = [
            // Not shipped yet: no tracking id.
            ["Order ID": "577000000000000001\t", "Order Status": "To ship", "Order Substatus": "Awaiting shipment", "Product Name": "Kaos Polos",
             "Variation": "Hitam, L", "Quantity": "1", "Created Time": "30/09/2026 22:58:49", "Buyer Username": "budi_s", "Recipient": "Budi S.",
             "Phone #": "(+62)812*****89", "Detail Address": "Jl. Merdeka 1"],
            // Arranged: tracking id and package, waiting for the courier.
            ["Order ID": "577000000000000002\t", "Order Status": "To ship", "Order Substatus": "Awaiting collection", "Product Name": "Topi",
             "Quantity": "2", "Tracking ID": "JX1000201\t", "Shipping Provider Name": "JNE", "Package ID": "1150000000000002\t"],
            // Two product lines in one package; a product name with a comma, quotes and a line break.
            ["Order ID": "577000000000000003", "Order Status": "Shipped", "Order Substatus": "In transit", "Product Name": "Kaos \"Polos\", hitam\nukuran L",
             "Quantity": "1", "Tracking ID": "JP1000301", "Shipping Provider Name": "J&T Express", "Package ID": "1150000000000003"],
            ["Order ID": "577000000000000003", "Order Status": "Shipped", "Order Substatus": "In transit", "Product Name": "Celana",
             "Quantity": "3", "Tracking ID": "JP1000301", "Shipping Provider Name": "J&T Express", "Package ID": "1150000000000003"],
            // Split shipment: two packages with their own couriers.
            ["Order ID": "577000000000000004", "Order Status": "Shipped", "Order Substatus": "In transit", "Product Name": "Sepatu",
             "Quantity": "1", "Tracking ID": "004000100001", "Shipping Provider Name": "SiCepat", "Package ID": "1150000000000041"],
            ["Order ID": "577000000000000004", "Order Status": "Shipped", "Order Substatus": "In transit", "Product Name": "Sandal",
             "Quantity": "1", "Tracking ID": "JX1000402", "Shipping Provider Name": "JNE", "Package ID": "1150000000000042"],
            ["Order ID": "577000000000000005", "Order Status": "Cancelled", "Order Substatus": "Cancelled", "Cancelation/Return Type": "Cancel",
             "Cancelled Time": "01/10/2026 08:00:00", "Cancel By": "Buyer", "Cancel Reason": "Change of mind", "Product Name": "Tas"],
            ["Order ID": "577000000000000006", "Order Status": "Completed", "Order Substatus": "Completed", "Cancelation/Return Type": "Return/Refund",
             "Tracking ID": "SPXID0600001", "Shipping Provider Name": "SPX Express", "Product Name": "Jam"],
            // An Indonesian status value, and a provider lacak does not know (the courier is detected).
            ["Order ID": "577000000000000007", "Order Status": "Belum dibayar", "Product Name": "Dompet"],
            ["Order ID": "577000000000000008", "Order Status": "Shipped", "Order Substatus": "Delivered", "Tracking ID": "JP1000000801",
             "Shipping Provider Name": "Kurir Rekomendasi", "Product Name": "Buku"],
        ]
        return sheet
    }

    func export(_ settings: TikTokShopSettings = TikTokShopSettings()) -> SellerCenterExport {
        SellerCenterExport(settings: settings, defaultZone: Self.zone)
    }

    func read(_ sheet: ExportSheet, _ settings: TikTokShopSettings = TikTokShopSettings()) throws -> IntakeFile {
        export(settings).intakeFile(from: try CSVTableReader.read(sheet.csv(), limits: TableLimits(maxUnpackedBytes: 1 << 20)))
    }

    @Test func collapsesRowsIntoOrdersWithPackagesAndStatuses() throws {
        let file = try read(Self.sample)
        #expect(file.problems.isEmpty, "\(file.problems)")
        let records = Dictionary(uniqueKeysWithValues: file.records.map { ($0.record.orderID.rawValue, $0) })
        #expect(file.records.map(\.record.orderID.rawValue) == (1...8).map { "57700000000000000\($0)" })
        // The description row is row 2; data starts at row 3.
        #expect(file.records.first?.line == 3)

        let unshipped = try #require(records["577000000000000001"]?.record)
        #expect(unshipped.shopStatus == .awaitingShipment)
        #expect(unshipped.trackingNumber == nil && unshipped.packages.isEmpty)

        let arranged = try #require(records["577000000000000002"]?.record)
        #expect(arranged.shopStatus == .awaitingCollection)
        #expect(arranged.packages == [.init(trackingNumber: "JX1000201", courier: "jne", packageID: "1150000000000002")])

        let twoLines = try #require(records["577000000000000003"]?.record)
        #expect(twoLines.shopStatus == .inTransit)
        #expect(twoLines.packages == [.init(trackingNumber: "JP1000301", courier: "jnt", packageID: "1150000000000003")])
        let meta = try JSONParser().parse(try #require(twoLines.meta))
        #expect(meta["items"]?.arrayValue?.count == 2)
        #expect(meta["items"]?.arrayValue?.first?["product_name"]?.stringValue == "Kaos \"Polos\", hitam\nukuran L")
        #expect(meta["items"]?.arrayValue?.last?["quantity"] == .integer(3))

        let split = try #require(records["577000000000000004"]?.record)
        #expect(split.packages == [
            .init(trackingNumber: "004000100001", courier: "sicepat", packageID: "1150000000000041"),
            .init(trackingNumber: "JX1000402", courier: "jne", packageID: "1150000000000042"),
        ])
        #expect(records["577000000000000005"]?.record.shopStatus == .cancelled)
        #expect(records["577000000000000006"]?.record.shopStatus == .returnRefund)
        // One package with no package id is the order's only package.
        #expect(records["577000000000000006"]?.record.trackingNumber == "SPXID0600001")
        #expect(records["577000000000000006"]?.record.courier == "spx")
        #expect(records["577000000000000007"]?.record.shopStatus == .unpaid)
        let unknownProvider = try #require(records["577000000000000008"]?.record)
        #expect(unknownProvider.shopStatus == .delivered)
        #expect(unknownProvider.courier == nil)
        #expect(try JSONParser().parse(try #require(unknownProvider.meta))["shipping_provider"]?.stringValue == "Kurir Rekomendasi")
    }

    @Test func metaHasBuyerTimesAndLinesButNoPhoneOrAddress() throws {
        let file = try read(Self.sample)
        let meta = try #require(file.records.first?.record.meta)
        #expect(meta == #"{"source":"tiktokshop_export","buyer_username":"budi_s","recipient":"Budi S.","order_status":"To ship","order_substatus":"Awaiting shipment","created_time":"2026-09-30T22:58:49+07:00","items":[{"product_name":"Kaos Polos","variation":"Hitam, L","quantity":1}]}"#)
        let cancelled = try JSONParser().parse(try #require(file.records[4].record.meta))
        #expect(cancelled["cancelled_time"]?.stringValue == "2026-10-01T08:00:00+07:00")
        #expect(cancelled["cancel_reason"]?.stringValue == "Change of mind")
    }

    @Test func badCellsRefuseTheirOrderNamingRowAndColumnAndKeepTheOthers() throws {
        var sheet = ExportSheet()
        sheet.rows = [
            ["Order ID": "5770101", "Order Status": "Shipped", "Tracking ID": "JX1010101"],
            ["Order ID": "5770101", "Order Status": "Shipped", "Tracking ID": "JX?1"],
            ["Order ID": "5.77010E+17", "Order Status": "Shipped"],
            ["Order ID": "5770103", "Order Status": "Shipped", "Created Time": "31/13/2026 10:00:00"],
            ["Order ID": "5770104", "Order Status": "Mystery"],
            ["Order ID": "5770105", "Order Status": "Shipped", "Tracking ID": "JX1010501", "Package ID": "P1"],
            ["Order ID": "5770105", "Order Status": "Shipped", "Tracking ID": "JX1010502", "Package ID": "P1"],
            ["Order ID": "", "Product Name": "a line without its order"],
            ["Order ID": "5770106", "Order Status": "To ship"],
        ]
        let file = try read(sheet)
        #expect(file.records.map(\.record.orderID.rawValue) == ["5770106"])
        let reasons = Dictionary(uniqueKeysWithValues: file.problems.map { ($0.line, $0.reason) })
        #expect(reasons[3]?.hasPrefix("order 5770101: column Tracking ID: tracking_number may only contain") == true, "\(reasons)")
        #expect(reasons[4]?.contains("'5.77010E+17' is an order id a spreadsheet program turned into a number") == true)
        #expect(reasons[5]?.hasPrefix("order 5770103: column Created Time: '31/13/2026 10:00:00' is not a time lacak reads") == true)
        #expect(reasons[6] == "order 5770104: column Order Status: unknown status 'Mystery'; map it in [tiktokshop.statuses]; the order was not taken")
        #expect(reasons[8]?.hasPrefix("order 5770105: column Tracking ID: package P1 has tracking id JX1010502 here and JX1010501 in another row") == true)
        #expect(reasons[9] == "column Order ID: the order id is empty; the row was skipped")
        #expect(file.numbering == .rows)
    }

    @Test func headersAreFoundByNameWhereverTheyAreAndCanBeConfigured() throws {
        var sheet = ExportSheet()
        sheet.headers = ["  tracking id ", "Extra", "ORDER  STATUS", "Order ID\t"]
        sheet.rows = [["Order ID\t": "A-1", "ORDER  STATUS": "dikirim", "  tracking id ": "jx 100 001"]]
        let record = try #require(try read(sheet).records.first?.record)
        #expect(record.orderID == "A-1")
        #expect(record.shopStatus == .inTransit)
        #expect(record.trackingNumber == "JX100001")

        sheet.headers = ["No Pesanan", "Resi", "Kurir Pengiriman", "Catatan"]
        sheet.rows = [["No Pesanan": "B-1", "Resi": "ZZ1000001", "Kurir Pengiriman": "Kurir Kita", "Catatan": "fragile"]]
        #expect(try read(sheet).problems.first?.reason.contains("no 'Order ID' column") == true)
        var settings = TikTokShopSettings()
        settings.columns = [.orderID: ["No Pesanan"], .trackingID: ["Resi"], .shippingProvider: ["Kurir Pengiriman"]]
        settings.providers = ["Kurir Kita": "jne"]
        settings.metaColumns = ["Catatan"]
        let configured = try #require(try read(sheet, settings).records.first?.record)
        #expect(configured.trackingNumber == "ZZ1000001")
        #expect(configured.courier == "jne")
        #expect(try JSONParser().parse(try #require(configured.meta))["Catatan"]?.stringValue == "fragile")
    }

    @Test(arguments: [
        ("Unpaid", "", "", ShopStatus.unpaid), ("To ship", "Awaiting collection", "", .awaitingCollection),
        ("Shipped", "Delivered", "", .delivered), ("Completed", "", "Return/Refund", .returnRefund),
        ("Shipped", "In transit", "Cancel", .inTransit), ("Cancelled", "Cancelled", "Cancel", .cancelled),
        ("Dibatalkan", "", "", .cancelled), ("Selesai", "", "", .completed), ("AWAITING_SHIPMENT", "", "", .awaitingShipment),
        ("To ship", "Something new", "", .awaitingShipment), ("Perlu dikirim", "Menunggu pengambilan", "", .awaitingCollection),
        ("Perlu dikirim", "Menunggu pengiriman", "", .awaitingShipment), ("Dikirim", "", "Pengembalian/Refund", .returnRefund),
    ])
    func mapsStatusValues(status: String, substatus: String, request: String, expected: ShopStatus) {
        #expect(ExportStatuses().shopStatus(status: status, substatus: substatus, cancelReturnType: request) == .success(expected))
    }

    @Test func readsExcelDateSerialsInTheShopsZone() {
        let time = SellerCenterExport.time("46295.957511574", patterns: TikTokShopSettings().timeFormats, zone: Self.zone)
        #expect(time?.iso8601(in: Self.zone) == "2026-09-30T22:58:49+07:00")
        #expect(SellerCenterExport.time("30/09/2026 22:58:49", patterns: TikTokShopSettings().timeFormats, zone: Self.zone) == time)
        #expect(SellerCenterExport.time("09/30/2026 22:58:49", patterns: TikTokShopSettings().timeFormats, zone: Self.zone) == nil)
    }

    @Test func keepsMetaWithinItsLimit() throws {
        var sheet = ExportSheet()
        sheet.rows = (0..<200).map { ["Order ID": "5770201", "Order Status": "To ship", "Product Name": "Produk nomor \($0) dengan nama yang panjang sekali"] }
        let meta = try JSONParser().parse(try #require(try read(sheet).records.first?.record.meta))
        let kept = try #require(meta["items"]?.arrayValue?.count)
        #expect(kept > 50 && kept < 200)
        #expect(meta["items_omitted"] == .integer(Int64(200 - kept)))
    }
}
