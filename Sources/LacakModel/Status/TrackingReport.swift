
/// What a courier says about one shipment.
package struct TrackingReport: Sendable, Equatable {
    package var events: [TrackingEvent]
    /// The courier's service name (REG, YES, EZ…), when it says.
    package var service: String?
    /// Events dropped because their time could not be read.
    package var skippedEvents: Int
    /// The aggregator's shipment-level status, when its answer has one.
    package var evidence: ShipmentEvidence?

    package init(events: [TrackingEvent], service: String? = nil, skippedEvents: Int = 0, evidence: ShipmentEvidence? = nil) {
        self.events = events
        self.service = service
        self.skippedEvents = skippedEvents
        self.evidence = evidence
    }
}
