package import LacakSupport

/// One status change of an order, the unit notifications are made from.
package struct StatusChange: Sendable, Equatable {
    package var orderID: OrderID
    /// The package the change is about; nil for a change of the order as a whole.
    package var trackingNumber: TrackingNumber?
    package var at: Timestamp
    /// Nil for the order's creation.
    package var old: (carrier: CarrierStatus, view: OrderView)?
    package var new: (carrier: CarrierStatus, view: OrderView)
    /// The carrier status is the package's when the change names one, else the order's.
    /// The notification this change produces, if any.
    package var kind: NotificationKind?
    package var event: TrackingEvent?
    /// Notification files owed for this change (one per audience that gets this kind).
    package var notifications: Int

    package init(orderID: OrderID, trackingNumber: TrackingNumber? = nil, at: Timestamp, old: (carrier: CarrierStatus, view: OrderView)?, new: (carrier: CarrierStatus, view: OrderView), kind: NotificationKind?, event: TrackingEvent?, notifications: Int = 0) {
        self.orderID = orderID
        self.trackingNumber = trackingNumber
        self.at = at
        self.old = old
        self.new = new
        self.kind = kind
        self.event = event
        self.notifications = notifications
    }

    package static func == (lhs: StatusChange, rhs: StatusChange) -> Bool {
        lhs.orderID == rhs.orderID && lhs.trackingNumber == rhs.trackingNumber && lhs.at == rhs.at && lhs.old?.carrier == rhs.old?.carrier && lhs.old?.view == rhs.old?.view
            && lhs.new.carrier == rhs.new.carrier && lhs.new.view == rhs.new.view && lhs.kind == rhs.kind && lhs.event == rhs.event
    }
}
