

/// The kinds of "Store Update" notification lacak writes.
package enum NotificationKind: String, Sendable, CaseIterable, Codable {
    case orderCreated = "order_created"
    case orderShipped = "order_shipped"
    case outForDelivery = "out_for_delivery"
    case deliveryFailed = "delivery_failed"
    case readyForPickup = "ready_for_pickup"
    case shipmentProblem = "shipment_problem"
    case orderDelivered = "order_delivered"
    /// One package of an order of several was delivered; others are still on their way.
    case packageDelivered = "package_delivered"
    /// "Order Delivered" was said, and a newer courier event shows the parcel still on its way:
    /// lacak takes it back rather than staying silently wrong.
    case deliveryCorrected = "delivery_corrected"
    case orderCancelled = "order_cancelled"
    case returnInProgress = "return_in_progress"
    case orderReturned = "order_returned"
    /// No new courier event for `stall_after`: the shipment is `expired` and polling stops.
    case trackingStalled = "tracking_stalled"
    /// An alert, not a status change: Ready to Ship for longer than `dispatch_deadline`.
    case lateDispatch = "late_dispatch"
    /// An alert: the tracking number fits several couriers; a record naming one is needed.
    case courierNeeded = "courier_needed"

    /// The notification a status change produces, or nil when it is not worth telling anyone
    /// (a new hub scan, `info_received`).
    ///
    /// One change gives at most one notification: a shipment seen for the first time already
    /// delivered says "Order Delivered", not four messages at once.
    package static func forChange(from old: (carrier: CarrierStatus, view: OrderView)?, to new: (carrier: CarrierStatus, view: OrderView)) -> NotificationKind? {
        guard let old else { return .orderCreated }
        if new.view.buyer == .cancelled {
            return old.view.buyer == .cancelled ? nil : .orderCancelled
        }
        if new.view.buyer == .returnsRefund {
            if new.carrier == .returned, old.carrier != .returned { return .orderReturned }
            return old.view.buyer == .returnsRefund ? nil : .returnInProgress
        }
        if new.view.buyer == .received {
            return old.view.buyer == .received ? nil : .orderDelivered
        }
        if old.view.buyer == .received {
            return .deliveryCorrected
        }
        if new.carrier != old.carrier {
            switch new.carrier {
            // The order is not Received yet (checked above): other packages are still coming.
            case .delivered: return .packageDelivered
            case .expired: return .trackingStalled
            case .outForDelivery: return .outForDelivery
            case .failedAttempt: return .deliveryFailed
            case .availableForPickup: return .readyForPickup
            case .exception: return .shipmentProblem
            default: break
            }
        }
        if new.view.buyer == .inTransit, old.view.buyer != .inTransit {
            return .orderShipped
        }
        return nil
    }
}
