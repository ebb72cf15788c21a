import LacakSupport


/// A shipment due for polling.
package struct DueShipment: Sendable, Equatable {
    package var orderID: String
    package var trackingNumber: String
    package var courierCode: String?
    package var courierID: String?
    /// Failed polls in a row, for choosing a fallback provider.
    package var failures: Int = 0

    package init(orderID: String, trackingNumber: String, courierCode: String?, courierID: String?, failures: Int = 0) {
        self.orderID = orderID
        self.trackingNumber = trackingNumber
        self.courierCode = courierCode
        self.courierID = courierID
        self.failures = failures
    }
}
