package import LacakSupport

/// How long to wait before polling a shipment again, by its carrier status.
///
/// Final statuses get one confirmation poll after `final_confirmation`, then polling stops.
package struct PollIntervals: Sendable, Equatable {
    package var byStatus: [CarrierStatus: ConfigDuration]
    package var finalConfirmation: ConfigDuration

    package init() {
        byStatus = [
            .pending: .hours(1),
            .infoReceived: .hours(6),
            .inTransit: .hours(2),
            .outForDelivery: .minutes(30),
            .failedAttempt: .hours(1),
            .availableForPickup: .hours(6),
            .exception: .hours(3),
            .returning: .hours(6),
        ]
        finalConfirmation = .hours(12)
    }

    /// Statuses that have an interval; final ones and `expired` are not polled on a cadence.
    package static let pollable: [CarrierStatus] = CarrierStatus.allCases.filter { !$0.isFinal && $0 != .expired }

    /// The interval for a non-final status.
    package func interval(for status: CarrierStatus) -> ConfigDuration {
        byStatus[status] ?? .hours(2)
    }

    /// These intervals with the keys of `overrides` replaced.
    package func merging(byStatus overrides: [CarrierStatus: ConfigDuration], finalConfirmation: ConfigDuration?) -> PollIntervals {
        var merged = self
        for (status, duration) in overrides { merged.byStatus[status] = duration }
        if let finalConfirmation { merged.finalConfirmation = finalConfirmation }
        return merged
    }
}
