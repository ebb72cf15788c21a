package import LacakModel

/// The export's `Order Status`, `Order Substatus` and `Cancelation/Return Type` as one lacak
/// shop status (the README's table).
///
/// The status says where the order is; a substatus lacak knows says it more precisely (`To
/// ship` + `Awaiting collection` is ready to ship), and an unknown one is ignored. A return or
/// refund request turns an order that was not cancelled into Returns/Refund. Values are
/// compared without case or doubled spaces, in English and Indonesian; lacak's own names and
/// the Open API's (`AWAITING_SHIPMENT`) are read too.
package struct ExportStatuses: Sendable {
    /// Built-in values.
    package static let builtin: [(value: String, status: ShopStatus)] = [
        ("Unpaid", .unpaid), ("Belum dibayar", .unpaid),
        ("On hold", .onHold),
        ("To ship", .awaitingShipment), ("Awaiting shipment", .awaitingShipment), ("Perlu dikirim", .awaitingShipment),
        ("Menunggu pengiriman", .awaitingShipment), ("Partially shipped", .partiallyShipped), ("Partially shipping", .partiallyShipped),
        ("Awaiting collection", .awaitingCollection), ("Menunggu pengambilan", .awaitingCollection), ("Siap dikirim", .awaitingCollection),
        ("Shipped", .inTransit), ("In transit", .inTransit), ("Dikirim", .inTransit), ("Sedang dikirim", .inTransit), ("Dalam pengiriman", .inTransit),
        ("Delivered", .delivered), ("Terkirim", .delivered),
        ("Completed", .completed), ("Selesai", .completed),
        ("Cancelled", .cancelled), ("Canceled", .cancelled), ("Dibatalkan", .cancelled),
    ]

    /// `Cancelation/Return Type` values that mean a return or refund (a cancellation request
    /// is not one: the order's status says whether it was cancelled).
    package static let returnRequests = ["Return/Refund", "Return and refund", "Refund only", "Return", "Refund",
                                         "Pengembalian", "Pengembalian/Refund", "Pengembalian dana"]

    private let statuses: [String: ShopStatus]
    /// The values as written, looked up before normalising: most files spell them exactly so.
    private let exact: [String: ShopStatus]
    private let returns: Set<String>

    package init(extra: [String: ShopStatus] = [:]) {
        var statuses: [String: ShopStatus] = [:]
        for (value, status) in Self.builtin { statuses[Self.key(value)] = status }
        for (value, status) in extra { statuses[Self.key(value)] = status }
        self.statuses = statuses
        var exact: [String: ShopStatus] = [:]
        for (value, status) in Self.builtin where statuses[Self.key(value)] == status { exact[value] = status }
        for (value, status) in extra { exact[value] = status }
        self.exact = exact
        returns = Set(Self.returnRequests.map(Self.key))
    }

    /// A status value lacak does not know.
    package struct Unknown: Error, Equatable {
        package var value: String
        package var isSubstatus: Bool
    }

    /// The shop status of one order; nil when the export gives none.
    package func shopStatus(status: String, substatus: String, cancelReturnType: String) -> Result<ShopStatus?, Unknown> {
        let main = status.isEmpty ? nil : self.status(status)
        if !status.isEmpty && main == nil { return .failure(Unknown(value: status, isSubstatus: false)) }
        let detail = substatus.isEmpty ? nil : self.status(substatus)
        if main == nil && detail == nil {
            return substatus.isEmpty ? .success(nil) : .failure(Unknown(value: substatus, isSubstatus: true))
        }
        if main == .cancelled || (main == nil && detail == .cancelled) { return .success(.cancelled) }
        if returns.contains(Self.key(cancelReturnType)) { return .success(.returnRefund) }
        // A substatus refines its status, except one that would cancel an order the status does not.
        if let detail, detail != .cancelled { return .success(detail) }
        return .success(main)
    }

    private func status(_ text: String) -> ShopStatus? {
        exact[text] ?? statuses[Self.key(text)] ?? ShopStatus(intake: text)
    }

    static func key(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}
