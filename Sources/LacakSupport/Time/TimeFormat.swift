/// How a courier writes event times, as named in the config (`time_format`).
///
/// Parsing is done by hand instead of with `DateFormatter`: it runs for every event of every
/// poll, must be thread-safe, and has to understand Indonesian month names.
package enum TimeFormat: Sendable, Equatable, CustomStringConvertible {
    /// ISO 8601 / RFC 3339; text without an offset is read in the default zone.
    case iso8601
    /// Seconds since the Unix epoch, as a number or numeric string.
    case epochSeconds
    /// Milliseconds since the Unix epoch.
    case epochMilliseconds
    /// A pattern such as `yyyy-MM-dd HH:mm:ss` or `dd MMM yyyy HH:mm`.
    case pattern(TimePattern)
    /// Several formats tried in order, for APIs that write times more than one way
    /// (Binderbyte: `2026-05-17 12:20:00`, and `17 Mei 12:20 WIB` for some couriers).
    indirect case anyOf([TimeFormat])

    /// Reads a config value: `iso8601`, `epoch`, `epoch_ms` or a pattern.
    package init(_ text: String) throws(TimePatternError) {
        switch text {
        case "iso8601", "rfc3339": self = .iso8601
        case "epoch", "epoch_seconds", "unix": self = .epochSeconds
        case "epoch_ms", "epoch_millis", "epoch_milliseconds": self = .epochMilliseconds
        default: self = .pattern(try TimePattern(text))
        }
    }

    /// Reads a list of config values, tried in order.
    package init(_ texts: [String]) throws(TimePatternError) {
        guard !texts.isEmpty else { throw TimePatternError(pattern: "[]", message: "give at least one format") }
        var formats: [TimeFormat] = []
        for text in texts { formats.append(try TimeFormat(text)) }
        self = formats.count == 1 ? formats[0] : .anyOf(formats)
    }

    package var description: String {
        switch self {
        case .iso8601: return "iso8601"
        case .epochSeconds: return "epoch"
        case .epochMilliseconds: return "epoch_ms"
        case .pattern(let pattern): return pattern.text
        case .anyOf(let formats): return formats.map(\.description).joined(separator: "\" or \"")
        }
    }

    /// Whether the format reads numbers rather than text.
    package var isEpoch: Bool {
        switch self {
        case .epochSeconds, .epochMilliseconds: return true
        case .iso8601, .pattern: return false
        case .anyOf(let formats): return formats.contains(where: \.isEpoch)
        }
    }

    /// The instant a JSON value names, or nil when it does not fit this format or falls outside
    /// `Timestamp.eventRange` (1970 to 9999). `now` places times written without a year (the
    /// nearest such time not in the future).
    package func timestamp(from value: JSONValue, zone: ZoneRules, now: Timestamp = .now) -> Timestamp? {
        guard let time = parse(value, zone: zone, now: now), Timestamp.eventRange.contains(time) else { return nil }
        return time
    }

    private func parse(_ value: JSONValue, zone: ZoneRules, now: Timestamp) -> Timestamp? {
        switch self {
        case .anyOf(let formats):
            for format in formats {
                if let time = format.parse(value, zone: zone, now: now) { return time }
            }
            return nil
        case .epochSeconds:
            // Beyond year 9999 (2.5e11 s) is not a time, and not clamped into one.
            if let seconds = value.integerValue, (-253_402_300_799...253_402_300_799).contains(seconds) { return Timestamp(seconds: seconds) }
            if let seconds = value.doubleValue, seconds.isFinite, abs(seconds) <= 253_402_300_799 {
                return Timestamp(millisecondsSinceEpoch: (seconds * 1000).rounded())
            }
            return nil
        case .epochMilliseconds:
            if let millis = value.integerValue, (-Timestamp.latest.milliseconds...Timestamp.latest.milliseconds).contains(millis) { return Timestamp(milliseconds: millis) }
            if let millis = value.doubleValue, millis.isFinite, abs(millis) <= Double(Timestamp.latest.milliseconds) {
                return Timestamp(millisecondsSinceEpoch: millis)
            }
            return nil
        case .iso8601:
            guard let text = value.stringValue else { return nil }
            return ISO8601Reader.timestamp(text, zone: zone)
        case .pattern(let pattern):
            guard let text = value.scalarText else { return nil }
            return pattern.timestamp(text, zone: zone, now: now)
        }
    }
}

/// A pattern is not usable; the message says which part.
package struct TimePatternError: Error, Sendable, Equatable, CustomStringConvertible {
    package var pattern: String
    package var message: String
    package var description: String { "invalid time format '\(pattern)': \(message)" }
}
