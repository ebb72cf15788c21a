

/// Where a shipment is, in one vocabulary shared by every courier.
package enum CarrierStatus: String, Sendable, CaseIterable, Codable {
    case pending
    case infoReceived = "info_received"
    case inTransit = "in_transit"
    case outForDelivery = "out_for_delivery"
    case failedAttempt = "failed_attempt"
    case availableForPickup = "available_for_pickup"
    case delivered
    case exception
    case returning
    case returned
    case cancelled
    case expired

    /// Statuses after which the shipment will not move again (a confirmation poll aside).
    package var isFinal: Bool {
        switch self {
        case .delivered, .returned, .cancelled: return true
        default: return false
        }
    }

    /// How far along the forward journey a status is; statuses of one phase may follow each other.
    var phase: Int {
        switch self {
        case .pending: return 0
        case .infoReceived: return 1
        case .inTransit, .exception: return 2
        case .outForDelivery, .failedAttempt, .availableForPickup: return 3
        case .delivered: return 4
        case .returning: return 5
        case .returned, .cancelled: return 6
        case .expired: return -1
        }
    }

    /// Whether a newer event may move a shipment from this status to `next`.
    ///
    /// The newest event says where a parcel is: a parcel back at the hub after a failed attempt
    /// is in transit again. What never happens: going back to `pending`, or to `info_received`
    /// once the parcel moved; leaving `returned`; a return turning into anything but its end
    /// or a problem. A newer scan after `delivered` reopens the shipment, since that
    /// "delivered" was a misread (a drop point "received" the parcel), and a parcel that moves
    /// after a `cancelled` was not cancelled. Callers make sure such moves back come from
    /// strictly newer events.
    package func allowsTransition(to next: CarrierStatus) -> Bool {
        if next == self { return true }
        switch next {
        case .pending: return false
        case .infoReceived: return self == .pending || self == .expired
        default: break
        }
        switch self {
        case .returned:
            return false
        case .returning:
            // A hold on the way back is still the way back: staying `returning` keeps a later
            // "delivered" (to the shop) read as returned.
            return next == .returned
        case .delivered:
            return next != .expired && next != .cancelled
        case .cancelled:
            return next != .expired && next.phase >= 2
        default:
            return true
        }
    }

    /// Whether moving to `next` goes back along the journey (in transit after out for
    /// delivery, anything after delivered); such moves need an event strictly newer than the
    /// one that set the status, never one of the same time.
    func isStepBack(to next: CarrierStatus) -> Bool {
        if isFinal { return next != self }
        if next == .exception || next == .returning || next == .returned || next == .cancelled || self == .expired { return false }
        return next.phase < phase
    }
}

/// Why a shipment has its status, in lowercase snake case (`picked_up`, `customs`, `refused`…).
///
/// An open set: the known reasons are listed as constants, and a config may name others.
package struct StatusReason: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    package let rawValue: String

    package init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// A reason from config text, or nil when it is not lowercase snake case.
    package init?(validating text: String) {
        guard !text.isEmpty, text.count <= 40,
              text.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        else { return nil }
        self.rawValue = text
    }

    package var description: String { rawValue }

    package static let pickedUp = StatusReason(rawValue: "picked_up")
    package static let customs = StatusReason(rawValue: "customs")
    package static let addressIssue = StatusReason(rawValue: "address_issue")
    package static let recipientAbsent = StatusReason(rawValue: "recipient_absent")
    package static let refused = StatusReason(rawValue: "refused")
    package static let damaged = StatusReason(rawValue: "damaged")
    package static let lost = StatusReason(rawValue: "lost")
    package static let notFound = StatusReason(rawValue: "not_found")
    package static let stalled = StatusReason(rawValue: "stalled")
    /// Held at a warehouse or hub (`exception`): waiting for a decision, a payment, a retry.
    package static let held = StatusReason(rawValue: "held")
    /// The courier could not collect the parcel from the shop (`exception`).
    package static let failedPickup = StatusReason(rawValue: "failed_pickup")
    /// The recipient asked for another day (`failed_attempt`).
    package static let rescheduled = StatusReason(rawValue: "rescheduled")
}
