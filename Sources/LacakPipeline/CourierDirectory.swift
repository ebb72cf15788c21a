package import LacakModel
package import LacakConfig

/// Decides which configured courier polls an order, from the courier the intake named.
package struct CourierDirectory: Sendable {
    /// Enabled couriers, in config order.
    package let couriers: [CourierSettings]
    private let all: [CourierSettings]

    package init(couriers: [CourierSettings]) {
        self.all = couriers
        self.couriers = couriers.filter(\.enabled)
    }

    /// The courier for an intake code: a courier whose id is the code, else the first whose
    /// `codes` list it; with no code, the only courier when exactly one is configured.
    package func resolve(_ code: CourierCode?) -> CourierSettings? {
        candidates(for: code).first
    }

    /// Every enabled courier that can poll an order with this code, in fallback order: the
    /// courier whose id is the code, then those listing it in `codes`, in config order.
    package func candidates(for code: CourierCode?) -> [CourierSettings] {
        guard let code = code?.rawValue else {
            return couriers.count == 1 ? couriers : []
        }
        if let exact = couriers.first(where: { $0.id == code }) { return [exact] }
        return couriers.filter { $0.codes.contains(code) }
    }

    /// Display names by courier id.
    package var names: [String: String] {
        Dictionary(all.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }
}
