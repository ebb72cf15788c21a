package import LacakSupport

/// One scan or status message from a courier, normalised.
package struct TrackingEvent: Sendable, Equatable {
    package var time: Timestamp
    package var description: String
    /// The courier's own status code for the event, when it has one.
    package var code: String?
    package var location: String?
    /// The normalised status the event implies, when a status rule matched it.
    package var status: CarrierStatus?
    package var reason: StatusReason?

    package init(time: Timestamp, description: String, code: String? = nil, location: String? = nil,
                status: CarrierStatus? = nil, reason: StatusReason? = nil) {
        self.time = time
        self.description = description
        self.code = code
        self.location = location
        self.status = status
        self.reason = reason
    }

    /// A stable identity for deduplication: couriers repeat events, sometimes with other spacing
    /// or letter case, so text is folded (ASCII case, runs of whitespace) before hashing.
    package var fingerprint: String {
        var hasher = FNV1a64()
        hasher.combine(String(time.milliseconds))
        hasher.combineFolded(code ?? "")
        hasher.combineFolded(description)
        hasher.combineFolded(location ?? "")
        return hasher.hexDigest
    }

    /// Ordering for history: by time, then by text so that equal times sort the same way every run.
    package static func chronological(_ lhs: TrackingEvent, _ rhs: TrackingEvent) -> Bool {
        if lhs.time != rhs.time { return lhs.time < rhs.time }
        if (lhs.status?.phaseOrder ?? -2) != (rhs.status?.phaseOrder ?? -2) {
            return (lhs.status?.phaseOrder ?? -2) < (rhs.status?.phaseOrder ?? -2)
        }
        return lhs.description < rhs.description
    }
}

extension CarrierStatus {
    /// Phase for tie-breaking events that share a timestamp.
    var phaseOrder: Int { phase }
}

/// 64-bit FNV-1a: a small, stable (unseeded) hash for fingerprints and ids.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func combine(_ text: String) {
        for byte in text.utf8 { mix(byte) }
        // A separator byte so that ("ab","c") and ("a","bc") differ.
        mix(0xFF)
    }

    /// Hashes `text` with ASCII letters lowered, whitespace runs collapsed and ends trimmed.
    mutating func combineFolded(_ text: String) {
        var pendingSpace = false
        var started = false
        for byte in text.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                pendingSpace = started
                continue
            }
            if pendingSpace {
                mix(0x20)
                pendingSpace = false
            }
            started = true
            mix(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        mix(0xFF)
    }

    private mutating func mix(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01B3
    }

    var hexDigest: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
