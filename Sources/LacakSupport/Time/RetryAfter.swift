/// Reads `Retry-After`: delay-seconds, or an HTTP date.
package enum RetryAfter {
    /// The longest wait read from a header (30 days): a courier answering `1e308` or a date
    /// in year 9999 gets this, and the pipeline clamps it further to `retry_max`.
    package static let longest = 30 * 86_400.0

    /// The wait in seconds, at most `longest`; nil when the value is neither form.
    package static func seconds(_ value: String, now: Timestamp = .now) -> Double? {
        guard value.utf8.count <= 64 else { return nil }
        return parse(value, now: now).map { min($0, longest) }
    }

    private static func parse(_ value: String, now: Timestamp) -> Double? {
        let trimmed = value.trimmingWhitespace()
        if let seconds = Double(trimmed), seconds >= 0, seconds.isFinite { return seconds }
        // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"; the weekday adds nothing.
        let dateText = trimmed.split(separator: ",", maxSplits: 1).last.map { String($0).trimmingWhitespace() } ?? trimmed
        guard let pattern = try? TimePattern("dd MMM yyyy HH:mm:ss 'GMT'"),
              let date = pattern.timestamp(dateText, zone: .utc)
        else { return nil }
        return max(0, Double(date.milliseconds - now.milliseconds) / 1000)
    }
}
