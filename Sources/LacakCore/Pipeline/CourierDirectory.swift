/// Decides which configured courier polls an order, from the courier the intake named.
public struct CourierDirectory: Sendable {
    /// Enabled couriers, in config order.
    public let couriers: [CourierSettings]
    private let all: [CourierSettings]

    public init(couriers: [CourierSettings]) {
        self.all = couriers
        self.couriers = couriers.filter(\.enabled)
    }

    /// The courier for an intake code: a courier whose id is the code, else the first whose
    /// `codes` list it; with no code, the only courier when exactly one is configured.
    public func resolve(_ code: String?) -> CourierSettings? {
        guard let code = code?.lowercased(), !code.isEmpty else {
            return couriers.count == 1 ? couriers[0] : nil
        }
        if let exact = couriers.first(where: { $0.id == code }) { return exact }
        return couriers.first { $0.codes.contains(code) }
    }

    /// Display names by courier id.
    public var names: [String: String] {
        Dictionary(all.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }
}
