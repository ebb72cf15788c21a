import Foundation

/// TikTok Shop orders for the `tiktokshop` dialect: made up, numbered, each with a story
/// (paid and shipped, shipped in two packages, cancelled, unpaid first, returned to the
/// seller) told on the simulator's compressed clock.
///
/// Packages move on the same timelines as every other dialect's shipments (`ShipmentBook`,
/// started when the package is handed to the courier), so an order's status follows its
/// packages, and any tracking route of the simulator tells the same story.
struct ShopOrders: Sendable {
    /// One package of an order.
    struct Package: Sendable {
        var id: String
        var trackingNumber: String
        var provider: String
        var providerID: String
        /// Minutes after the order was created at which the courier collects it.
        var collectedAt: Int
        var scenario: Scenario
    }

    /// What happens to an order.
    enum Story: String, Sendable, CaseIterable {
        case shipped, split, cancelled, unpaidFirst = "unpaid_first", returned, failedOnce = "failed_once"
    }

    struct Order: Sendable {
        var id: String
        var story: Story
        /// Simulated seconds since 1970 at which the buyer placed it.
        var created: Double
        var packages: [Package]
        var buyer: String
        var items: [(name: String, sku: String)]
    }

    let orders: [Order]
    let byID: [String: Int]

    static let providers: [(name: String, id: String, prefix: String)] = [
        ("JNE", "6980009001", "JX"), ("J&T Express", "6980009002", "JP"), ("SiCepat", "6980009003", "00"),
    ]

    /// `count` orders, one created every `spacingMinutes` simulated minutes from `start`.
    init(count: Int, start: Double, spacingMinutes: Double = 2) {
        var orders: [Order] = []
        for index in 0..<count {
            let stories: [Story] = [.shipped, .split, .shipped, .cancelled, .unpaidFirst, .shipped, .returned, .failedOnce, .shipped, .split]
            let story = stories[index % stories.count]
            let id = "57730" + String(format: "%013d", 1000 + index)
            func package(_ n: Int, collectedAt: Int, scenario: Scenario) -> Package {
                let chosen = Self.providers[(index + n) % Self.providers.count]
                let digits = String(format: "%010d", 26_000_000 + index * 10 + n)
                return Package(id: "11773" + String(format: "%011d", index * 10 + n), trackingNumber: chosen.prefix + digits,
                               provider: chosen.name, providerID: chosen.id, collectedAt: collectedAt, scenario: scenario)
            }
            var packages: [Package] = []
            switch story {
            case .shipped: packages = [package(0, collectedAt: 120, scenario: .delivered)]
            // The second package leaves a day after the first, as split shipments do.
            case .split: packages = [package(0, collectedAt: 120, scenario: .delivered), package(1, collectedAt: 1560, scenario: .delivered)]
            case .cancelled: packages = []
            case .unpaidFirst: packages = [package(0, collectedAt: 180, scenario: .delivered)]
            case .returned: packages = [package(0, collectedAt: 120, scenario: .returned)]
            case .failedOnce: packages = [package(0, collectedAt: 120, scenario: .failedThenDelivered)]
            }
            orders.append(Order(id: id, story: story, created: start + Double(index) * spacingMinutes * 60, packages: packages,
                                buyer: "pembeli_\(index)", items: (0..<max(1, packages.count)).map { ("Produk \(index)-\($0)", "SKU-\(index)-\($0)") }))
        }
        self.orders = orders
        byID = Dictionary(uniqueKeysWithValues: orders.enumerated().map { ($0.element.id, $0.offset) })
    }

    /// An order's status and its changes so far: (minute after creation, status), oldest first.
    static func history(_ order: Order, timelines: [String: Timeline], elapsedMinutes: Double) -> [(minute: Double, status: String)] {
        var changes: [(Double, String)] = []
        let paidAt: Double = order.story == .unpaidFirst ? 30 : 0
        if paidAt > 0 { changes.append((0, "UNPAID")) }
        changes.append((paidAt, "AWAITING_SHIPMENT"))
        if order.story == .cancelled {
            changes.append((60, "CANCELLED"))
        } else if !order.packages.isEmpty {
            // Collected: the label is printed and the courier comes; then on its way.
            let firstCollected = Double(order.packages.map(\.collectedAt).min()!)
            changes.append((firstCollected, "AWAITING_COLLECTION"))
            let pickups = order.packages.map { package -> Double in
                let steps = timelines[package.trackingNumber]?.steps ?? []
                return Double(package.collectedAt) + Double(steps.first { $0.kind == .pickedUp }?.minutes ?? 0)
            }
            if order.packages.count > 1 { changes.append((pickups.min()!, "PARTIALLY_SHIPPING")) }
            changes.append((pickups.max()!, "IN_TRANSIT"))
            let deliveries = order.packages.map { package -> Double? in
                guard let minute = timelines[package.trackingNumber]?.steps.first(where: { $0.kind == .delivered })?.minutes else { return nil }
                return Double(package.collectedAt + minute)
            }
            if deliveries.allSatisfy({ $0 != nil }) {
                let delivered = deliveries.map { $0! }.max()!
                changes.append((delivered, "DELIVERED"))
                changes.append((delivered + 3 * 1440, "COMPLETED"))
            }
        }
        return changes.filter { $0.0 <= elapsedMinutes }.map { (minute: $0.0, status: $0.1) }
    }
}
