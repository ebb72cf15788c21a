package import LacakSupport
import LacakModel
package import LacakConfig
package import LacakIntake

/// Seller Center's order export (`.csv` or `.xlsx`, one row per SKU line) as intake records:
/// rows collapse into orders with their packages, statuses and product lines.
///
/// An order is taken whole or not at all: a bad cell in any of its rows refuses that order
/// (naming the row and column), and the file's other orders are kept.
package struct SellerCenterExport: TableIntake {
    package var settings: TikTokShopSettings
    /// The zone times are read in when the settings name none: the daemon's.
    package var defaultZone: ZoneRules
    let providers: ShippingProviders
    let statuses: ExportStatuses

    package init(settings: TikTokShopSettings, defaultZone: ZoneRules) {
        self.settings = settings
        self.defaultZone = defaultZone
        providers = ShippingProviders(extra: settings.providers)
        statuses = ExportStatuses(extra: settings.statuses)
    }

    /// How many rows from the top the header row may sit at (a title line above it is skipped).
    static let headerSearchRows = 5

    package func intakeFile(from table: IntakeTable) -> IntakeFile {
        let candidates = table.rows.prefix(Self.headerSearchRows)
        guard let headerPosition = candidates.firstIndex(where: { ExportColumns(header: $0, settings: settings) != nil }),
              let columns = ExportColumns(header: table.rows[headerPosition], settings: settings) else {
            let first = table.rows.first { !$0.isBlank }
            let found = first.map { $0.cells.prefix(12).map { "'\(IntakeRecord.printable($0.trimmingHeader()))'" }.joined(separator: ", ") } ?? "nothing"
            return IntakeFile(records: [], problems: [(first?.number ?? 0, "no 'Order ID' column in the first \(Self.headerSearchRows) rows (found \(found)); nothing in this file was accepted. If your export names it otherwise, set [tiktokshop.columns] order_id")])
        }
        var problems: [(line: Int, reason: String)] = []
        var groups: [OrderID: [IntakeTable.Row]] = [:]
        var order: [OrderID] = []
        var rows = table.rows[(headerPosition + 1)...]
        // Newer exports describe each column in a second header row ("Platform unique order ID.").
        if let first = rows.first, Self.isDescription(columns.value(.orderID, in: first)) {
            rows = rows.dropFirst()
        }
        for row in rows where !row.isBlank {
            let text = columns.value(.orderID, in: row)
            switch Self.orderID(text) {
            case .success(let id):
                if groups[id] == nil { order.append(id) }
                groups[id, default: []].append(row)
            case .failure(let reason):
                problems.append((row.number, "column \(columns.name(.orderID)): \(reason); the row was skipped"))
            }
        }
        let zone = settings.timeZone ?? defaultZone
        var records: [(line: Int, record: IntakeRecord)] = []
        for id in order {
            let rows = groups[id]!
            do {
                records.append((rows[0].number, try record(id, rows: rows, columns: columns, zone: zone)))
            } catch {
                problems.append((error.row, "order \(id): \(error.message); the order was not taken"))
            }
        }
        if order.isEmpty && problems.isEmpty {
            problems.append((table.rows[headerPosition].number, "the export has a header but no orders"))
        }
        return IntakeFile(records: records, problems: problems)
    }

    /// Whether an `Order ID` cell is a column description ("Platform unique order ID."): words,
    /// no digits, not an id. A bad id in the first row is reported, not taken for one.
    static func isDescription(_ text: String) -> Bool {
        Identifiers.orderIDProblem(text) != nil && text.contains(" ") && !text.contains(where: \.isNumber)
    }

    /// A cell problem: the row it is in and what is wrong, naming the column.
    struct CellError: Error {
        var row: Int
        var message: String
    }

    static func orderID(_ text: String) -> Result<OrderID, IntakeRecordError> {
        if text.isEmpty { return .failure(IntakeRecordError("the order id is empty")) }
        if Self.looksLikeExcelNumber(text) {
            return .failure(IntakeRecordError("'\(text)' is an order id a spreadsheet program turned into a number, and its digits are lost; export the file again and do not save it from a spreadsheet program"))
        }
        if let problem = Identifiers.orderIDProblem(text) { return .failure(IntakeRecordError("'\(IntakeRecord.printable(text))': \(problem)")) }
        return .success(OrderID(trusted: text))
    }

    /// `5.77045E+17`: what Excel shows for a long number.
    static func looksLikeExcelNumber(_ text: String) -> Bool {
        guard text.utf8.contains(UInt8(ascii: "+")) else { return false }
        let parts = text.uppercased().split(separator: "E", omittingEmptySubsequences: false)
        guard parts.count == 2, let mantissa = Double(parts[0]), mantissa.isFinite, parts[1].hasPrefix("+") else { return false }
        return Int(parts[1].dropFirst()) != nil
    }

    private func record(_ id: OrderID, rows: [IntakeTable.Row], columns: ExportColumns, zone: ZoneRules) throws(CellError) -> IntakeRecord {
        var record = IntakeRecord(orderID: id)
        record.shopStatus = try status(rows: rows, columns: columns)
        record.packages = try packages(rows: rows, columns: columns)
        if record.packages.count == 1, record.packages[0].packageID == nil {
            // One package without an id is the order's only package, as `tracking_number` says.
            record.trackingNumber = record.packages[0].trackingNumber
            record.courier = record.packages[0].courier
            record.packages = []
        }
        record.meta = try meta(rows: rows, columns: columns, zone: zone)
        return record
    }

    private func status(rows: [IntakeTable.Row], columns: ExportColumns) throws(CellError) -> ShopStatus? {
        guard let row = rows.first(where: { !columns.value(.orderStatus, in: $0).isEmpty }) else { return nil }
        let status = columns.value(.orderStatus, in: row)
        let substatus = columns.value(.orderSubstatus, in: row)
        let request = rows.lazy.map { columns.value(.cancelReturnType, in: $0) }.first { !$0.isEmpty } ?? ""
        switch statuses.shopStatus(status: status, substatus: substatus, cancelReturnType: request) {
        case .success(let shop): return shop
        case .failure(let unknown):
            let column = unknown.isSubstatus ? columns.name(.orderSubstatus) : columns.name(.orderStatus)
            throw CellError(row: row.number, message: "column \(column): unknown status '\(IntakeRecord.printable(unknown.value))'; map it in [tiktokshop.statuses]")
        }
    }

    private func packages(rows: [IntakeTable.Row], columns: ExportColumns) throws(CellError) -> [OrderRules.Package] {
        var packages: [OrderRules.Package] = []
        // Where each tracking number and package id is in `packages`: rows of one package
        // repeat them, and an order may have many rows.
        var byNumber: [TrackingNumber: Int] = [:]
        var byPackageID: [String: Int] = [:]
        for row in rows {
            let text = columns.value(.trackingID, in: row)
            // Unshipped orders have no tracking id yet; they are tracked once a later export has one.
            if text.isEmpty { continue }
            let number: TrackingNumber
            switch Identifiers.normalizeTrackingNumber(text) {
            case .success(let normalized): number = TrackingNumber(trusted: normalized)
            case .failure(let error): throw CellError(row: row.number, message: "column \(columns.name(.trackingID)): \(error.message)")
            }
            let packageText = columns.value(.packageID, in: row)
            var packageID: String?
            if !packageText.isEmpty {
                guard packageText.utf8.count <= IntakeRecord.maxPackageIDLength, packageText.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }) else {
                    throw CellError(row: row.number, message: "column \(columns.name(.packageID)): '\(IntakeRecord.printable(packageText))' is not a package id (at most \(IntakeRecord.maxPackageIDLength) printable characters)")
                }
                packageID = packageText
            }
            if let existing = byNumber[number] ?? packageID.flatMap({ byPackageID[$0] }) {
                let known = packages[existing]
                guard known.trackingNumber == number, known.packageID == packageID else {
                    throw CellError(row: row.number, message: "column \(columns.name(.trackingID)): package \(packageID ?? known.packageID ?? "") has tracking id \(number) here and \(known.trackingNumber) in another row")
                }
                continue
            }
            guard packages.count < IntakeRecord.maxPackages else {
                throw CellError(row: row.number, message: "more than \(IntakeRecord.maxPackages) packages; at most \(IntakeRecord.maxPackages) are accepted")
            }
            byNumber[number] = packages.count
            if let packageID { byPackageID[packageID] = packages.count }
            packages.append(OrderRules.Package(trackingNumber: number, courier: providers.code(for: columns.value(.shippingProvider, in: row)), packageID: packageID))
        }
        return packages
    }
}
