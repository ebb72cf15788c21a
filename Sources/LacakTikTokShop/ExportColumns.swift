package import LacakConfig
package import LacakIntake

/// Where each field lacak reads sits in one export file, found by header name.
///
/// Columns are read by name, never by position: exports differ by market and date, columns
/// come, go and move. Names are compared without case, surrounding whitespace, a byte order
/// mark or doubled spaces; configured names (`[tiktokshop.columns]`) are tried before lacak's.
package struct ExportColumns: Sendable {
    /// lacak's header names for each field: Seller Center's, which are English in every market
    /// (Indonesian shops' exports included, whose status values are Indonesian). A file with
    /// other headers (written by another tool) names them in `[tiktokshop.columns]`.
    package static let builtin: [ExportField: [String]] = [
        .orderID: ["Order ID"],
        .orderStatus: ["Order Status"],
        .orderSubstatus: ["Order Substatus", "Order Sub Status"],
        .cancelReturnType: ["Cancelation/Return Type", "Cancellation/Return Type"],
        .trackingID: ["Tracking ID"],
        .shippingProvider: ["Shipping Provider Name"],
        .packageID: ["Package ID"],
        .createdTime: ["Created Time"],
        .paidTime: ["Paid Time"],
        .rtsTime: ["RTS Time"],
        .shippedTime: ["Shipped Time"],
        .deliveredTime: ["Delivered Time"],
        .cancelledTime: ["Cancelled Time"],
        .cancelBy: ["Cancel By"],
        .cancelReason: ["Cancel Reason"],
        .buyerUsername: ["Buyer Username"],
        .recipient: ["Recipient"],
        .productName: ["Product Name"],
        .variation: ["Variation"],
        .sellerSKU: ["Seller SKU"],
        .skuID: ["SKU ID"],
        .quantity: ["Quantity"],
        .orderAmount: ["Order Amount"],
        .tokopediaInvoice: ["Tokopedia Invoice Number"],
    ]

    /// The column index of each field the header row has.
    package private(set) var index: [ExportField: Int] = [:]
    /// Configured meta columns found, by header name.
    package private(set) var meta: [(name: String, index: Int)] = []
    /// The header as written, for messages ("column Tracking ID").
    package private(set) var headers: [String] = []

    /// Reads the header row; nil when it has no order id column.
    package init?(header: IntakeTable.Row, settings: TikTokShopSettings) {
        headers = header.cells.map { $0.trimmingHeader() }
        var positions: [String: Int] = [:]
        for (position, name) in headers.enumerated() where positions[Self.key(name)] == nil {
            positions[Self.key(name)] = position
        }
        for field in ExportField.allCases {
            let names = (settings.columns[field] ?? []) + (Self.builtin[field] ?? [])
            if let position = names.lazy.compactMap({ positions[Self.key($0)] }).first { index[field] = position }
        }
        guard index[.orderID] != nil else { return nil }
        for name in settings.metaColumns {
            if let position = positions[Self.key(name)] { meta.append((name, position)) }
        }
    }

    /// The name of a field's column as the file writes it, shortened and made printable for
    /// messages (a header is untrusted text).
    package func name(_ field: ExportField) -> String {
        IntakeRecord.printable(index[field].map { headers[$0] } ?? field.rawValue)
    }

    /// The trimmed cell of `field` in `row`, "" when the file has no such column.
    package func value(_ field: ExportField, in row: IntakeTable.Row) -> String {
        guard let position = index[field] else { return "" }
        return row[position].trimmingHeader()
    }

    static func key(_ name: String) -> String {
        name.trimmingHeader().lowercased().split(whereSeparator: { $0 == " " }).joined(separator: " ")
    }
}

extension String {
    /// Without surrounding whitespace (tabs too: importers of real exports strip tabs from ids),
    /// a byte order mark, or zero-width spaces.
    func trimmingHeader() -> String {
        // Most cells are empty or start and end in printable ASCII: nothing to look up.
        let bytes = utf8
        guard let head = bytes.first, let tail = bytes.last else { return self }
        if head > 0x20 && head < 0x7F && tail > 0x20 && tail < 0x7F { return self }
        if head < 0x80 && tail < 0x80 {
            // ASCII at both ends (an id with a tab after it): trim bytes, no Unicode tables.
            let isSpace: (UInt8) -> Bool = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
            guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
            let last = bytes.lastIndex(where: { !isSpace($0) })!
            if bytes[first] < 0x80 && bytes[last] < 0x80 { return String(self[first...last]) }
        }
        let scalars = unicodeScalars
        let isJunk: (Unicode.Scalar) -> Bool = { $0.properties.isWhitespace || $0 == "\u{FEFF}" || $0 == "\u{200B}" }
        guard let first = scalars.firstIndex(where: { !isJunk($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isJunk($0) })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[first...last])
    }
}
