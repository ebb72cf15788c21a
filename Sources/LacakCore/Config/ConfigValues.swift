/// A length of time in the config: a number of seconds, or text such as `"500ms"`, `"30s"`,
/// `"15m"`, `"2h"`, `"7d"` or `"1h30m"`.
public struct ConfigDuration: Sendable, Hashable, Decodable, CustomStringConvertible {
    public var seconds: Double

    public init(seconds: Double) {
        self.seconds = seconds
    }

    public static func minutes(_ value: Double) -> ConfigDuration { ConfigDuration(seconds: value * 60) }

    /// No duration in a config is longer (each key has a tighter range besides): ten years.
    static let longest = 10 * 365 * 86_400.0
    public static func hours(_ value: Double) -> ConfigDuration { ConfigDuration(seconds: value * 3600) }

    public init(from decoder: any Decoder) throws {
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
    public init?(text: String) {
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

    public var description: String {
        guard seconds.isFinite, seconds < 1e15 else { return "\(seconds)s" }
        if seconds >= 86_400, seconds.truncatingRemainder(dividingBy: 86_400) == 0 { return "\(Int(seconds / 86_400))d" }
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        if seconds >= 1, seconds.rounded() == seconds { return "\(Int(seconds))s" }
        return "\(Int((seconds * 1000).rounded()))ms"
    }

    /// Whole milliseconds, at least 1.
    var milliseconds: Int { max(1, Int((seconds * 1000).rounded())) }
}

/// A size in bytes in the config: a number, or text such as `"512KiB"`, `"4MiB"`, `"1MB"`.
public struct ConfigByteSize: Sendable, Hashable, Decodable, CustomStringConvertible {
    public var bytes: Int

    public init(bytes: Int) {
        self.bytes = bytes
    }

    public init(from decoder: any Decoder) throws {
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

    public var description: String {
        if bytes % (1 << 20) == 0 { return "\(bytes >> 20)MiB" }
        if bytes % 1024 == 0 { return "\(bytes >> 10)KiB" }
        return "\(bytes)B"
    }
}

/// Where a secret comes from: an environment variable, a file, or a systemd credential.
///
/// A secret is never written in the config itself, so the config can be shared and logged.
public enum SecretReference: Sendable, Hashable, Decodable, CustomStringConvertible {
    case environment(String)
    case file(String)
    /// A name under `$CREDENTIALS_DIRECTORY`, as systemd's `LoadCredential=` provides.
    case credential(String)

    private enum Keys: String, CodingKey, CaseIterable {
        case env, file, credential
    }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), (try? single.decode(String.self)) != nil {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "secrets are not written inline; use { env = \"NAME\" }, { file = \"/path\" } or { credential = \"name\" }"))
        }
        try decoder.rejectUnknownKeys(Keys.self)
        let container = try decoder.container(keyedBy: Keys.self)
        let present = Keys.allCases.filter { container.contains($0) }
        guard present.count == 1, let key = present.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "give exactly one of env, file or credential"))
        }
        let name = try container.decode(String.self, forKey: key)
        guard !name.isEmpty else { throw container.invalid(key, "must not be empty") }
        switch key {
        case .env: self = .environment(name)
        case .file: self = .file(name)
        case .credential:
            guard !name.contains("/") else { throw container.invalid(key, "a credential name cannot contain '/'") }
            self = .credential(name)
        }
    }

    public var description: String {
        switch self {
        case .environment(let name): return "env \(name)"
        case .file(let path): return "file \(path)"
        case .credential(let name): return "credential \(name)"
        }
    }
}

/// A secret value. Its description is redacted so it cannot end up in a log by accident.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The value itself; only adapters building requests read it.
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
