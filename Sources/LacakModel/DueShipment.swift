

/// A shipment due for polling.
package struct DueShipment: Sendable, Equatable {
    package var orderID: OrderID
    package var trackingNumber: TrackingNumber
    package var courierCode: CourierCode?
    package var courierID: CourierID?
    /// Failed polls in a row, for choosing a fallback provider.
    package var failures: Int = 0

    package init(orderID: OrderID, trackingNumber: TrackingNumber, courierCode: CourierCode?, courierID: CourierID?, failures: Int = 0) {
        self.orderID = orderID
        self.trackingNumber = trackingNumber
        self.courierCode = courierCode
        self.courierID = courierID
        self.failures = failures
    }
}
