import LacakSupport
package import LacakModel

extension PollIntervals: Decodable {
    /// A `poll_interval` table over the default intervals.
    package init(from decoder: any Decoder) throws {
        self.init()
        self = merging(try PollIntervalOverrides(from: decoder))
    }

    /// These intervals with the keys of `overrides` replaced.
    package func merging(_ overrides: PollIntervalOverrides?) -> PollIntervals {
        guard let overrides else { return self }
        return merging(byStatus: overrides.byStatus, finalConfirmation: overrides.finalConfirmation)
    }
}

/// A `poll_interval` table: only the statuses it names.
package struct PollIntervalOverrides: Sendable, Decodable, Equatable {
    var byStatus: [CarrierStatus: ConfigDuration] = [:]
    var finalConfirmation: ConfigDuration?

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys {
            let duration = try container.decode(ConfigDuration.self, forKey: key)
            guard ConfigRange.pollInterval.contains(duration.seconds) else { throw container.invalid(key, "an interval must be between 1s and 30d") }
            if key.stringValue == "final_confirmation" {
                finalConfirmation = duration
            } else if let status = CarrierStatus(rawValue: key.stringValue), PollIntervals.pollable.contains(status) {
                byStatus[status] = duration
            } else {
                let names = PollIntervals.pollable.map(\.rawValue) + ["final_confirmation"]
                throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [key], debugDescription: "unknown key; poll intervals are set for \(names.joined(separator: ", "))"))
            }
        }
    }
}
