import LacakSupport

/// A configuration problem, located as precisely as lacak can: file, line and key path.
package struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    package var file: String
    package var line: Int?
    /// The key path in TOML terms, e.g. `courier[1].request.path`; empty for file-level problems.
    package var keyPath: String
    package var message: String

    package init(file: String, line: Int? = nil, keyPath: String = "", message: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    /// `lacak.toml:12: courier[0].rate_limit: expected a number, found a string`
    package var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if !keyPath.isEmpty { text += keyPath + ": " }
        return text + message
    }
}

/// A coding key for any name or index; used to list and report keys that are not in a schema.
struct AnyCodingKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }

    init(_ name: String) {
        self.init(stringValue: name)
    }
}

extension Decoder {
    /// Throws for the first key in this table that `Keys` does not list, so that a typo in the
    /// config is an error instead of a silently ignored setting.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try container(keyedBy: AnyCodingKey.self)
        let known = Set(Keys.allCases.map(\.stringValue))
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !known.contains(key.stringValue) {
            let suggestion = known.min { editDistance($0, key.stringValue) < editDistance($1, key.stringValue) }
            var message = "unknown key"
            if let suggestion, editDistance(suggestion, key.stringValue) <= 2 {
                message += " (did you mean '\(suggestion)'?)"
            }
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: message))
        }
    }
}

extension KeyedDecodingContainer {
    /// Throws a located config error for a value that has the right type but is not allowed.
    func invalid(_ key: Key, _ message: String) -> DecodingError {
        DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: message)
    }

    /// The duration at `key`, or `fallback`; outside `range` (seconds) it is an error that names
    /// the range, so no later arithmetic on it can overflow.
    func duration(_ key: Key, default fallback: ConfigDuration, in range: ClosedRange<Double>) throws -> ConfigDuration {
        let value = try decodeIfPresent(ConfigDuration.self, forKey: key) ?? fallback
        guard range.contains(value.seconds) else {
            throw invalid(key, "must be between \(ConfigDuration(seconds: range.lowerBound)) and \(ConfigDuration(seconds: range.upperBound)) (found \(value))")
        }
        return value
    }

    /// The size at `key`, or `fallback`, within `range` bytes.
    func size(_ key: Key, default fallback: ConfigByteSize, in range: ClosedRange<Int>) throws -> ConfigByteSize {
        let value = try decodeIfPresent(ConfigByteSize.self, forKey: key) ?? fallback
        guard range.contains(value.bytes) else {
            throw invalid(key, "must be between \(ConfigByteSize(bytes: range.lowerBound)) and \(ConfigByteSize(bytes: range.upperBound)) (found \(value))")
        }
        return value
    }

    /// The whole number at `key`, or `fallback`, within `range`.
    func count(_ key: Key, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        let value = try decodeIfPresent(Int.self, forKey: key) ?? fallback
        guard range.contains(value) else { throw invalid(key, "must be between \(range.lowerBound) and \(range.upperBound)") }
        return value
    }
}

/// The ranges of the config's durations, sizes and counts (the README's configuration reference
/// lists them); every value from the file is checked against its range when it is read.
enum ConfigRange {
    static let day = 86_400.0
    static let retryInitial = 1.0...day
    static let retryMax = 1.0...(7 * day)
    static let stallAfter = 60.0...(365 * day)
    static let dispatchDeadline = 1.0...(365 * day)
    static let shutdownTimeout = 0.0...600
    static let intakeRescan = 0.1...day
    static let pollInterval = 1.0...(30 * day)
    static let connectTimeout = 0.05...300
    static let timeout = 0.05...600
    static let intakeFileSize = 1024...(1 << 30)
    static let responseSize = 1024...(256 << 20)
    static let burst = 1...10_000
}

/// Levenshtein distance, for "did you mean" suggestions on short config keys.
func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let a = Array(lhs.utf8)
    let b = Array(rhs.utf8)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
