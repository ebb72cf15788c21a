/// A length of time in the config: a number of seconds, or text such as `"500ms"`, `"30s"`,
/// `"15m"`, `"2h"`, `"7d"` or `"1h30m"`.
package struct ConfigDuration: Sendable, Hashable, Decodable, CustomStringConvertible {
    package var seconds: Double

    package init(seconds: Double) {
        self.seconds = seconds
    }

    package static func minutes(_ value: Double) -> ConfigDuration { ConfigDuration(seconds: value * 60) }

    /// No duration in a config is longer (each key has a tighter range besides): ten years.
    static let longest = 10 * 365 * 86_400.0
    package static func hours(_ value: Double) -> ConfigDuration { ConfigDuration(seconds: value * 3600) }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            guard number >= 0, number.isFinite else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "a duration cannot be negative")
            }
            guard number <= Self.longest else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "a duration cannot be longer than 10 years")
            }
            seconds = number
            return
        }
        guard let text = try? container.decode(String.self) else {
            throw DecodingError.typeMismatch(ConfigDuration.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a duration such as \"30s\", \"15m\" or a number of seconds"))
        }
        guard let parsed = ConfigDuration(text: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a duration; write e.g. \"500ms\", \"30s\", \"15m\", \"2h\" or \"7d\"")
        }
        guard parsed.seconds <= Self.longest else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a duration cannot be longer than 10 years")
        }
        self = parsed
    }

    /// Parses `1h30m`-style text; nil when it is not a duration.
    package init?(text: String) {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        var rest = Substring(text.trimmingWhitespace())
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { $0.isLetter }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count).drop { $0 == " " }
            total += value * unit.1
        }
        seconds = total
    }

    package var description: String {
        guard seconds.isFinite, seconds < 1e15 else { return "\(seconds)s" }
        if seconds >= 86_400, seconds.truncatingRemainder(dividingBy: 86_400) == 0 { return "\(Int(seconds / 86_400))d" }
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        if seconds >= 1, seconds.rounded() == seconds { return "\(Int(seconds))s" }
        return "\(Int((seconds * 1000).rounded()))ms"
    }

    /// Whole milliseconds, at least 1.
    package var milliseconds: Int { max(1, Int((seconds * 1000).rounded())) }
}

/// A size in bytes in the config: a number, or text such as `"512KiB"`, `"4MiB"`, `"1MB"`.
package struct ConfigByteSize: Sendable, Hashable, Decodable, CustomStringConvertible {
    package var bytes: Int

    package init(bytes: Int) {
        self.bytes = bytes
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            guard number > 0 else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "a size must be positive")
            }
            bytes = number
            return
        }
        guard let text = try? container.decode(String.self) else {
            throw DecodingError.typeMismatch(ConfigByteSize.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a size such as \"4MiB\" or a number of bytes"))
        }
        let units: [(String, Int)] = [("KiB", 1024), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1), ("", 1)]
        let trimmed = text.trimmingWhitespace()
        let number = trimmed.prefix { $0.isNumber }
        let unit = String(trimmed.dropFirst(number.count)).trimmingWhitespace()
        guard let value = Int(number), value > 0, let multiplier = units.first(where: { $0.0 == unit })?.1 else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a size; write e.g. \"512KiB\" or \"4MiB\"")
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is far too large a size") }
        bytes = product
    }

    package var description: String {
        if bytes % (1 << 20) == 0 { return "\(bytes >> 20)MiB" }
        if bytes % 1024 == 0 { return "\(bytes >> 10)KiB" }
        return "\(bytes)B"
    }
}

