import Foundation
@testable import LacakSupport

/// A made-up Seller Center order export (no real customer's data), written as CSV by these
/// tests or as .xlsx by tools/write_xlsx.py (openpyxl or XlsxWriter).
struct ExportSheet {
    /// The header of a recent Indonesian export, in its order (a subset of the real columns,
    /// with the phone and address columns lacak ignores).
    static let standardHeaders = [
        "Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order", "SKU ID", "Seller SKU",
        "Product Name", "Variation", "Quantity", "Order Amount", "Created Time", "Paid Time", "RTS Time", "Shipped Time",
        "Delivered Time", "Cancelled Time", "Cancel By", "Cancel Reason", "Fulfillment Type", "Tracking ID", "Delivery Option",
        "Shipping Provider Name", "Buyer Message", "Buyer Username", "Recipient", "Phone #", "Zipcode", "Country", "Province",
        "Detail Address", "Package ID", "Seller Note",
    ]

    var headers: [String] = ExportSheet.standardHeaders
    /// Each row by header name; missing names are empty cells.
    var rows: [[String: String]] = []
    /// The second header row some exports carry, describing each column.
    var descriptions = false

    /// The rows as cells in header order, the description row included when asked for.
    var cells: [[String]] {
        var out = [headers]
        if descriptions {
            out.append(headers.map { name in
                switch name {
                case "Order ID": return "Platform unique order ID."
                case "Order Status": return "Current order status."
                case "Tracking ID": return "The order's tracking number."
                case "Created Time": return "Order created time."
                default: return "The \(name.lowercased())."
                }
            })
        }
        for row in rows { out.append(headers.map { row[$0] ?? "" }) }
        return out
    }

    /// CSV bytes as Seller Center writes them: a byte order mark, CRLF line ends, quotes where needed.
    func csv(bom: Bool = true, separator: String = ",", lineEnd: String = "\r\n") -> [UInt8] {
        var text = bom ? "\u{FEFF}" : ""
        for row in cells {
            text += row.map { cell in
                cell.contains(separator) || cell.contains("\"") || cell.contains("\n") || cell.contains("\r")
                    ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
            }.joined(separator: separator) + lineEnd
        }
        return Array(text.utf8)
    }

    /// The sheet as an .xlsx workbook; cells of `dateColumns` are written as Excel date cells
    /// (their text must be `yyyy-MM-dd HH:mm:ss`).
    func xlsx(at path: String, sharedStrings: Bool = false, dateColumns: Set<String> = []) async throws {
        let cells = self.cells
        var dates: [JSONValue] = []
        for (r, row) in cells.enumerated() where r > (descriptions ? 1 : 0) {
            for (c, name) in headers.enumerated() where dateColumns.contains(name) && !row[c].isEmpty {
                dates.append(.array([.integer(Int64(r)), .integer(Int64(c))]))
            }
        }
        let spec = JSONValue.object(JSONObject([
            ("shared_strings", .bool(sharedStrings)),
            ("rows", .array(cells.map { .array($0.map { .string($0) }) })),
            ("dates", .array(dates)),
        ]))
        let input = path + ".json"
        try Data(JSONWriter(pretty: false).bytes(spec)).write(to: URL(fileURLWithPath: input))
        let result = try await runProcess("/bin/sh", ["-c", "python3 \"$0\" \"$1\" < \"$2\"", Binaries.packageRoot + "/tools/write_xlsx.py", path, input])
        try? FileManager.default.removeItem(atPath: input)
        guard result.status == 0 else {
            throw ExportSheetError(message: "tools/write_xlsx.py failed (pip install openpyxl xlsxwriter; make test does): \(result.stderr)")
        }
    }
}

struct ExportSheetError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
