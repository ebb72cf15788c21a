import LacakConfig
import LacakModel
import LacakCouriers

/// Chooses the configured courier that polls each shipment: the providers serving its courier
/// code in config order, rotated by its failures in a row, passing over paused ones.
struct CourierRouter: Sendable {
    let directory: CourierDirectory
    let adapters: [CourierID: any CourierAdapter]
    let gates: [CourierID: CourierGate]

    /// The shipments by the courier that polls them, and those no enabled courier serves.
    func assign(_ shipments: [DueShipment]) -> (byCourier: [CourierID: [DueShipment]], unassigned: [DueShipment]) {
        var byCourier: [CourierID: [DueShipment]] = [:]
        var unassigned: [DueShipment] = []
        for shipment in shipments {
            if let courierID = courierID(for: shipment) {
                byCourier[courierID, default: []].append(shipment)
            } else {
                unassigned.append(shipment)
            }
        }
        return (byCourier, unassigned)
    }

    /// The enabled courier that polls a shipment now, if any.
    ///
    /// When several serve its courier code, the first in config order is used, the next one
    /// after each failed poll in a row, and any whose gate is paused (Retry-After, out of
    /// quota, circuit open) is passed over while another is available.
    func courierID(for shipment: DueShipment) -> CourierID? {
        let candidates = directory.candidates(for: shipment.courierCode).map(\.courierID).filter { adapters[$0] != nil }
        guard !candidates.isEmpty else {
            if let id = shipment.courierID, adapters[id] != nil { return id }
            return nil
        }
        let start = shipment.failures % candidates.count
        let rotated = Array(candidates[start...] + candidates[..<start])
        return rotated.first { gates[$0]?.isPaused != true } ?? rotated[0]
    }

    /// Whether another enabled courier could poll this shipment while `courierID` is paused.
    func hasAlternative(to courierID: CourierID, for shipment: DueShipment) -> Bool {
        directory.candidates(for: shipment.courierCode).contains { $0.courierID != courierID && adapters[$0.courierID] != nil && gates[$0.courierID]?.isPaused != true }
    }
}
