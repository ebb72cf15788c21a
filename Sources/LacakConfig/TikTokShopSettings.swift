package import LacakSupport
package import LacakModel

/// A column of the Seller Center order export that lacak reads; the keys of `[tiktokshop.columns]`.
package enum ExportField: String, Sendable, CaseIterable, Hashable {
    case orderID = "order_id"
    case orderStatus = "order_status"
    case orderSubstatus = "order_substatus"
    case cancelReturnType = "cancel_return_type"
    case trackingID = "tracking_id"
    case shippingProvider = "shipping_provider"
    case packageID = "package_id"
    case createdTime = "created_time"
    case paidTime = "paid_time"
    case rtsTime = "rts_time"
    case shippedTime = "shipped_time"
    case deliveredTime = "delivered_time"
    case cancelledTime = "cancelled_time"
    case cancelBy = "cancel_by"
    case cancelReason = "cancel_reason"
    case buyerUsername = "buyer_username"
    case recipient
    case productName = "product_name"
    case variation
    case sellerSKU = "seller_sku"
    case skuID = "sku_id"
    case quantity
    case orderAmount = "order_amount"
    case tokopediaInvoice = "tokopedia_invoice"
}

/// The `[tiktokshop]` table: how TikTok Shop's order exports are read (and, later, its API).
///
/// Every table here extends lacak's built-in one; an entry for a name lacak knows replaces it.
package struct TikTokShopSettings: Sendable, Decodable {
    /// The zone the export's times are written in (the shop's market); default the daemon's.
    package var timeZone: ZoneRules?
    /// Patterns the export's times are read with, tried in order (a bare number is read as an
    /// Excel date serial).
    package var timeFormats: [TimePattern]
    /// More header names per field, tried before lacak's own (`order_id = ["ID Pesanan"]`).
    package var columns: [ExportField: [String]]
    /// More `Shipping Provider Name` values and the courier code each means.
    package var providers: [String: CourierCode]
    /// More `Order Status` / `Order Substatus` values and the shop status each means.
    package var statuses: [String: ShopStatus]
    /// Other columns copied into the order's `meta` under their header name.
    package var metaColumns: [String]

    /// Day-first as Seller Center writes it (`30/09/2026 22:58:49`), then ISO-like forms.
    package static let defaultTimeFormats = ["dd/MM/yyyy HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy/MM/dd HH:mm:ss"]

    package init() {
        timeZone = nil
        timeFormats = Self.defaultTimeFormats.map { try! TimePattern($0) }
        columns = [:]
        providers = [:]
        statuses = [:]
        metaColumns = []
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case timeZone = "time_zone"
        case timeFormats = "time_formats"
        case columns, providers, statuses
        case metaColumns = "meta_columns"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        if let zone = try container.decodeIfPresent(String.self, forKey: .timeZone) {
            guard let rules = ZoneRules(identifier: zone) else { throw container.invalid(.timeZone, "unknown time zone '\(zone)'") }
            timeZone = rules
        }
        if let patterns = try container.decodeIfPresent([String].self, forKey: .timeFormats) {
            guard !patterns.isEmpty else { throw container.invalid(.timeFormats, "must name at least one pattern") }
            timeFormats = try patterns.map { text in
                do throws(TimePatternError) { return try TimePattern(text) } catch { throw container.invalid(.timeFormats, error.description) }
            }
        }
        if container.contains(.columns) {
            let table = try container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .columns)
            for key in table.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                guard let field = ExportField(rawValue: key.stringValue) else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: table, debugDescription: "unknown export field; use one of \(ExportField.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let names: [String]
                if let one = try? table.decode(String.self, forKey: key) { names = [one] } else { names = try table.decode([String].self, forKey: key) }
                guard !names.isEmpty, names.allSatisfy({ !$0.trimmingWhitespace().isEmpty }) else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: table, debugDescription: "header names must not be empty")
                }
                columns[field] = names
            }
        }
        if container.contains(.providers) {
            let table = try container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .providers)
            for key in table.allKeys {
                let text = try table.decode(String.self, forKey: key).lowercased()
                guard let code = CourierCode(rawValue: text) else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: table, debugDescription: "'\(text)' is not a courier code (lowercase letters, digits, '-', '_')")
                }
                providers[key.stringValue] = code
            }
        }
        if container.contains(.statuses) {
            let table = try container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .statuses)
            for key in table.allKeys {
                let text = try table.decode(String.self, forKey: key)
                guard let status = ShopStatus(intake: text) else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: table, debugDescription: "unknown shop status '\(text)'; use one of \(ShopStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                statuses[key.stringValue] = status
            }
        }
        metaColumns = try container.decodeIfPresent([String].self, forKey: .metaColumns) ?? []
        guard metaColumns.count <= 32 else { throw container.invalid(.metaColumns, "at most 32 columns") }
    }
}
