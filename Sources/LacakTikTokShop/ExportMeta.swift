import LacakSupport
import LacakConfig
import LacakIntake

/// The order's `meta` from its export rows: who bought it, when each step happened, and its
/// product lines, so a snapshot (and later the board) can show them.
///
/// Phone numbers and addresses are left out on purpose: lacak tracks parcels and does not need
/// them; a seller who wants a column copied names it in `[tiktokshop] meta_columns`.
extension SellerCenterExport {
    /// Fields copied once per order, from the first row that has them.
    static let orderFields: [(ExportField, String)] = [
        (.buyerUsername, "buyer_username"), (.recipient, "recipient"), (.orderStatus, "order_status"),
        (.orderSubstatus, "order_substatus"), (.cancelReturnType, "cancel_return_type"), (.cancelBy, "cancel_by"),
        (.cancelReason, "cancel_reason"), (.orderAmount, "order_amount"), (.tokopediaInvoice, "tokopedia_invoice"),
        (.shippingProvider, "shipping_provider"),
    ]
    /// Time fields, written as ISO 8601 with the shop's offset.
    static let timeFields: [(ExportField, String)] = [
        (.createdTime, "created_time"), (.paidTime, "paid_time"), (.rtsTime, "rts_time"), (.shippedTime, "shipped_time"),
        (.deliveredTime, "delivered_time"), (.cancelledTime, "cancelled_time"),
    ]
    /// Fields of one product line.
    static let itemFields: [(ExportField, String)] = [
        (.productName, "product_name"), (.variation, "variation"), (.sellerSKU, "seller_sku"), (.skuID, "sku_id"), (.quantity, "quantity"),
    ]

    func meta(rows: [IntakeTable.Row], columns: ExportColumns, zone: ZoneRules) throws(CellError) -> String? {
        var members: [(key: String, value: JSONValue)] = [("source", .string("tiktokshop_export"))]
        func first(_ field: ExportField) -> (row: IntakeTable.Row, text: String)? {
            for row in rows {
                let text = columns.value(field, in: row)
                if !text.isEmpty { return (row, text) }
            }
            return nil
        }
        for (field, key) in Self.orderFields {
            if let (_, text) = first(field) { members.append((key, .string(text))) }
        }
        for (field, key) in Self.timeFields {
            guard let (row, text) = first(field) else { continue }
            guard let time = Self.time(text, patterns: settings.timeFormats, zone: zone) else {
                throw CellError(row: row.number, message: "column \(columns.name(field)): '\(IntakeRecord.printable(text))' is not a time lacak reads (\(settings.timeFormats.map(\.text).joined(separator: ", ")); set [tiktokshop] time_formats)")
            }
            members.append((key, .string(time.iso8601(in: zone))))
        }
        for (name, position) in columns.meta {
            if let row = rows.first(where: { !$0[position].trimmingHeader().isEmpty }) { members.append((name, .string(row[position].trimmingHeader()))) }
        }
        var items: [JSONValue] = []
        for row in rows {
            var item: [(key: String, value: JSONValue)] = []
            for (field, key) in Self.itemFields {
                let text = columns.value(field, in: row)
                guard !text.isEmpty else { continue }
                if field == .quantity, let count = Int64(text) { item.append((key, .integer(count))) } else { item.append((key, .string(text))) }
            }
            if !item.isEmpty { items.append(.object(JSONObject(item))) }
        }
        guard let meta = Self.fittedMeta(members, items: items) else {
            throw CellError(row: rows[0].number, message: "its buyer, time and meta columns come to more than \(IntakeRecord.maxMetaBytes) bytes")
        }
        return meta
    }

    /// `members` and as many of `items` as fit intake's meta limit (an order with hundreds of
    /// lines keeps the first ones, and `items_omitted` counts the rest), as compact JSON; nil
    /// when `members` alone are too large.
    static func fittedMeta(_ members: [(key: String, value: JSONValue)], items: [JSONValue]) -> String? {
        let writer = JSONWriter(pretty: false)
        var kept = items.count
        while true {
            var all = members
            if kept > 0 { all.append(("items", .array(Array(items.prefix(kept))))) }
            if kept < items.count { all.append(("items_omitted", .integer(Int64(items.count - kept)))) }
            let bytes = writer.bytes(.object(JSONObject(all)))
            if bytes.count <= IntakeRecord.maxMetaBytes { return String(decoding: bytes, as: UTF8.self) }
            if kept == 0 { return nil }
            kept = kept * 3 / 4
        }
    }

    /// The instant an export time names: one of `patterns`, or an Excel date serial (days
    /// since 1899-12-30, as an .xlsx stores a date cell), both read in `zone`.
    static func time(_ text: String, patterns: [TimePattern], zone: ZoneRules) -> Timestamp? {
        for pattern in patterns {
            if let time = pattern.timestamp(text, zone: zone) { return time }
        }
        guard let serial = Double(text), serial.isFinite, serial >= 1, serial < 2_958_466 else { return nil }
        let milliseconds = ((serial - 25_569) * 86_400_000).rounded()
        let local = CivilTime(localMilliseconds: Int64(milliseconds))
        return zone.timestamp(local: local)
    }
}
