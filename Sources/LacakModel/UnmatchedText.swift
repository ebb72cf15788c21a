package import LacakSupport

/// An event text no status rule classified, as counted in state.
package struct UnmatchedText: Sendable, Equatable {
    /// lacak's courier code (`jnt`), or the provider id when the courier is not known.
    package var courier: String
    /// The folded text the count is kept under.
    package var normalized: String
    /// One text as the courier wrote it, and a tracking number it was seen on.
    package var example: String
    package var trackingNumber: String
    /// The provider that answered with it last.
    package var provider: String?
    package var count: Int
    package var firstSeen: Timestamp
    package var lastSeen: Timestamp

    package init(courier: String, normalized: String, example: String, trackingNumber: String, provider: String?,
                 count: Int, firstSeen: Timestamp, lastSeen: Timestamp) {
        self.courier = courier
        self.normalized = normalized
        self.example = example
        self.trackingNumber = trackingNumber
        self.provider = provider
        self.count = count
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}
