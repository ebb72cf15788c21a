import Testing
@testable import LacakSupport
@testable import LacakModel

/// Orders shipped in several packages, through the rules directly: how packages are added and
/// relabelled, and how the order's views and notifications follow all of them.
@Suite struct PackageRulesTests {
    static let now = OrderRulesTests.now
    static let rules = OrderRulesTests.rules
    static let placement = OrderRulesTests.placement

    /// An order of two packages: JX…1 with JNE named, JX…2 detected.
    static func twoPackages() throws -> Order {
        let update = try #require(rules.apply(.init(orderID: "P-1", shopStatus: .awaitingCollection, packages: [
            .init(trackingNumber: "JX2611281001", courier: "jne", packageID: "PKG-A"),
            .init(trackingNumber: "JX2611281002", packageID: "PKG-B"),
        ]), to: nil, placement: placement, now: now))
        return update.order
    }

    static func poll(_ order: Order, _ number: TrackingNumber, _ status: CarrierStatus, hoursAgo: Double = 1, known: Set<String> = []) throws -> OrderRules.Update {
        let due = DueShipment(orderID: order.orderID, trackingNumber: number, courierCode: "jne", courierID: "jne-api")
        let event = OrderRulesTests.event("scan \(status.rawValue) \(number)", hoursAgo: hoursAgo, status)
        return try #require(rules.apply(.found(TrackingReport(events: [event])), to: due, of: order, known: known, polledBy: nil, retryAfter: nil, now: now, random: 0.5))
    }

    @Test func everyPackageIsPlacedAndPolled() throws {
        let update = try #require(Self.rules.apply(.init(orderID: "P-1", shopStatus: .awaitingCollection, packages: [
            .init(trackingNumber: "JX2611281001", courier: "jne", packageID: "PKG-A"),
            .init(trackingNumber: "JX2611281002", packageID: "PKG-B"),
        ]), to: nil, placement: Self.placement, now: Self.now))
        #expect(update.created)
        #expect(update.order.shipments.map(\.trackingNumber) == ["JX2611281001", "JX2611281002"])
        #expect(update.order.shipments.map(\.packageID) == ["PKG-A", "PKG-B"])
        #expect(update.order.shipments.map(\.courierID) == ["jne-api", "jne-api"])
        #expect(update.order.shipments.allSatisfy { $0.nextCheck == Self.now })
        #expect(update.order.view == OrderView(buyer: .waitingForDelivery, seller: .readyToShip))
        // One order, one "created" notification: it names no single package.
        #expect(update.changes.map(\.kind) == [.orderCreated])
        #expect(update.changes.first?.trackingNumber == nil)
    }

    @Test func theOrderIsInTransitUntilEveryPackageIsDelivered() throws {
        var order = try Self.twoPackages()
        let first = try Self.poll(order, "JX2611281001", .inTransit, hoursAgo: 5)
        #expect(first.order.view.buyer == .inTransit)
        #expect(first.changes.map(\.kind) == [.orderShipped])
        #expect(first.changes.first?.trackingNumber == "JX2611281001")
        order = first.order
        let delivered = try Self.poll(order, "JX2611281001", .delivered, known: Set(first.newEvents.map(\.fingerprint)))
        #expect(delivered.order.view == OrderView(buyer: .inTransit, seller: .inShipping), "one package delivered, one not: still in transit")
        #expect(delivered.changes.map(\.kind) == [.packageDelivered])
        #expect(delivered.changes.first?.new.carrier == .delivered)
        order = delivered.order
        #expect(order.carrierStatus == .pending, "the order's carrier status is its package furthest behind")
        let second = try Self.poll(order, "JX2611281002", .delivered)
        #expect(second.order.view == OrderView(buyer: .received, seller: .completed))
        #expect(second.changes.map(\.kind) == [.orderDelivered])
        #expect(second.changes.first?.trackingNumber == "JX2611281002")
        #expect(second.order.shipment("JX2611281001")?.carrier.status == .delivered, "the other package is untouched")
    }

    @Test func onePackageReturningMakesTheOrderAReturn() throws {
        let order = try Self.twoPackages()
        let moving = try Self.poll(order, "JX2611281002", .inTransit)
        let returning = try Self.poll(moving.order, "JX2611281001", .returning)
        #expect(returning.order.view == OrderView(buyer: .returnsRefund, seller: .return))
        #expect(returning.changes.map(\.kind) == [.returnInProgress])
    }

    @Test(arguments: [
        ([CarrierStatus.delivered, .delivered], BuyerStatus.received),
        ([.delivered, .cancelled], .received),
        ([.cancelled, .cancelled], .cancelled),
        ([.delivered, .inTransit], .inTransit),
        ([.delivered, .pending], .inTransit),
        ([.pending, .pending], .waitingForDelivery),
        ([.outForDelivery, .returned], .returnsRefund),
        ([.infoReceived, .cancelled], .waitingForDelivery),
    ])
    func theViewsFollowAllPackages(carriers: [CarrierStatus], buyer: BuyerStatus) {
        #expect(OrderView.derive(shop: .awaitingCollection, carriers: carriers).buyer == buyer)
        #expect(OrderView.derive(shop: .cancelled, carriers: carriers).buyer == .cancelled)
    }

    @Test func aLaterRecordAddsAPackageAndKeepsTheOthers() throws {
        let order = try Self.twoPackages()
        let later = Self.now.adding(seconds: 60)
        let added = try #require(Self.rules.apply(.init(orderID: "P-1", packages: [.init(trackingNumber: "JX2611281003", packageID: "PKG-C")]),
                                                  to: order, placement: Self.placement, now: later))
        #expect(added.order.shipments.map(\.trackingNumber) == ["JX2611281001", "JX2611281002", "JX2611281003"])
        #expect(added.order.shipment("JX2611281003")?.nextCheck == later)
        #expect(added.order.shipment("JX2611281001") == order.shipment("JX2611281001"))
        // The same record again changes nothing.
        #expect(Self.rules.apply(.init(orderID: "P-1", packages: [.init(trackingNumber: "JX2611281003", packageID: "PKG-C")]),
                                 to: added.order, placement: Self.placement, now: later) == nil)
    }

    @Test func aPackageNamedByItsIdWithANewNumberIsRelabelled() throws {
        var order = try Self.twoPackages()
        order = try Self.poll(order, "JX2611281001", .inTransit).order
        order = try Self.poll(order, "JX2611281002", .inTransit).order
        let relabelled = try #require(Self.rules.apply(.init(orderID: "P-1", packages: [.init(trackingNumber: "JX2611289002", packageID: "PKG-B")]),
                                                       to: order, placement: Self.placement, now: Self.now))
        #expect(relabelled.order.shipments.map(\.trackingNumber) == ["JX2611281001", "JX2611289002"])
        #expect(relabelled.order.shipment("JX2611289002")?.carrier == CarrierState(), "a new label starts its history again")
        #expect(relabelled.order.shipment("JX2611289002")?.packageID == "PKG-B")
        #expect(relabelled.order.shipment("JX2611281001")?.carrier.status == .inTransit)
    }

    @Test func labelsSwappedBetweenPackagesKeepTheirHistory() throws {
        var order = try Self.twoPackages()
        order = try Self.poll(order, "JX2611281001", .inTransit).order
        let swapped = try #require(Self.rules.apply(.init(orderID: "P-1", packages: [
            .init(trackingNumber: "JX2611281002", packageID: "PKG-A"),
            .init(trackingNumber: "JX2611281001", packageID: "PKG-B"),
        ]), to: order, placement: Self.placement, now: Self.now.adding(seconds: 60)))
        #expect(swapped.order.shipments.count == 2)
        let first = try #require(swapped.order.shipment("JX2611281001"))
        #expect(first.carrier.status == .inTransit, "the number's history stays with the number")
        #expect(first.packageID == "PKG-B")
        #expect(first.nextCheck == order.shipment("JX2611281001")?.nextCheck, "still polled as before")
        #expect(swapped.order.shipment("JX2611281002")?.packageID == "PKG-A")
    }

    @Test func anUnsurePackageWaitsAloneForItsCourier() throws {
        let update = try #require(Self.rules.apply(.init(orderID: "P-2", packages: [
            .init(trackingNumber: "JX2611282001"), .init(trackingNumber: "XX2611282002"),
        ]), to: nil, placement: Self.placement, now: Self.now))
        #expect(update.order.shipment("XX2611282002")?.courierCandidates == ["jne", "jnt"])
        #expect(update.order.shipment("XX2611282002")?.nextCheck == nil)
        #expect(update.order.shipment("JX2611282001")?.nextCheck == Self.now, "the other package is polled meanwhile")
        #expect(update.changes.map(\.kind) == [.orderCreated, .courierNeeded])
        #expect(update.changes.last?.trackingNumber == "XX2611282002")
        // A record naming the courier of the order settles the package that waited.
        let named = try #require(Self.rules.apply(.init(orderID: "P-2", courier: "jne"), to: update.order, placement: Self.placement, now: Self.now))
        #expect(named.order.shipment("XX2611282002")?.courierID == "jne-api")
        #expect(named.order.shipment("XX2611282002")?.nextCheck == Self.now)
    }

    @Test func aCancelledOrderStopsPollingEveryPackage() throws {
        let order = try Self.twoPackages()
        let cancelled = try #require(Self.rules.apply(.init(orderID: "P-1", shopStatus: .cancelled), to: order, placement: Self.placement, now: Self.now))
        #expect(cancelled.order.shipments.allSatisfy { $0.nextCheck == nil })
        #expect(cancelled.changes.map(\.kind) == [.orderCancelled])
    }
}
