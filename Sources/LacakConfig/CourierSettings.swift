package import LacakSupport
package import LacakModel

/// One `[[courier]]` table: how to reach a courier API and how hard to push it.
package struct CourierSettings: Sendable, Decodable {
    /// Unique, short, lowercase; used in logs, state and spool output.
    package var id: String
    /// Human name, e.g. "JNE via Binderbyte".
    package var name: String
    package var adapter: AdapterKind
    /// Base URL the request path is appended to.
    package var endpoint: String?
    /// The courier code sent to the API (`{courier_code}`), e.g. `jne` for Binderbyte.
    package var courierCode: String?
    /// Courier codes in intake records that this courier serves; its id always counts.
    package var codes: [String]
    /// The API's own name for a courier code (`jnt = "190271"` for 17TRACK); codes not listed
    /// are sent as they are.
    package var codeMap: [String: String]
    /// Headers sent with every request, after template expansion.
    package var headers: [HeaderTemplate]
    /// Where each named secret comes from; names are usable as `{name}` in templates.
    package var credentials: [String: SecretReference]
    /// The resolved secret values (filled by `ConfigLoader`).
    package var secrets: [String: Secret] = [:]
    /// Query parameter names whose values are hidden in logs and errors (besides credentials).
    package var secretParameters: [String]
    /// Tracking numbers per request.
    package var batchSize: Int
    /// Requests per second; nil for no limit.
    package var rateLimit: Double?
    /// Requests that may be sent at once after a quiet period.
    package var burst: Int
    /// Requests in flight at the same time.
    package var maxInFlight: Int
    package var connectTimeout: ConfigDuration
    package var timeout: ConfigDuration
    package var maxResponseBytes: ConfigByteSize
    /// A CA bundle to trust instead of the system's, for couriers with a private CA.
    package var caFile: String?
    /// Whether to follow HTTP redirects (http and https only, at most 3).
    package var followRedirects: Bool
    /// Overrides the daemon's zone for this courier's local times.
    package var timeZone: ZoneRules?
    package var pollIntervals: PollIntervalOverrides?
    package var enabled: Bool
    /// Request and response mapping for `adapter = "json"`.
    package var json: JSONDialectSettings?
    /// Status rules checked before a native adapter's built-in mapping (17track, aftership)
    /// or applied to events an exec plugin left without a status.
    package var statusRules: [StatusRule] = []
    /// The program and arguments for `adapter = "exec"`; never run through a shell.
    package var command: [String]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, adapter, endpoint
        case courierCode = "courier_code"
        case codes
        case codeMap = "code_map"
        case headers, credentials
        case secretParameters = "secret_params"
        case batchSize = "batch_size"
        case rateLimit = "rate_limit"
        case burst
        case maxInFlight = "max_in_flight"
        case connectTimeout = "connect_timeout"
        case timeout
        case maxResponseBytes = "max_response_size"
        case caFile = "ca_file"
        case followRedirects = "follow_redirects"
        case timeZone = "time_zone"
        case pollIntervals = "poll_interval"
        case enabled
        case request, response
        case statusRules = "status_rule"
        case command
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        guard Identifiers.isValidCourierID(id) else {
            throw container.invalid(.id, "'\(id)' is not a courier id: use 1-32 of a-z, 0-9, '-' and '_', starting with a letter or digit")
        }
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? id
        let adapterName = try container.decode(String.self, forKey: .adapter)
        guard let adapter = AdapterKind(rawValue: adapterName) else {
            throw container.invalid(.adapter, "unknown adapter '\(adapterName)'; available: \(AdapterKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.adapter = adapter
        endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint)
        if let endpoint {
            let lower = endpoint.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw container.invalid(.endpoint, "must start with http:// or https://")
            }
            guard !endpoint.contains(where: { $0 == " " || $0 == "\n" || $0 == "\r" }) else {
                throw container.invalid(.endpoint, "must not contain spaces or line breaks")
            }
        }
        courierCode = try container.decodeIfPresent(String.self, forKey: .courierCode)
        var codes = try container.decodeIfPresent([String].self, forKey: .codes) ?? []
        codes = codes.map { $0.lowercased() }
        if let courierCode, !codes.contains(courierCode.lowercased()) { codes.append(courierCode.lowercased()) }
        self.codes = codes
        codeMap = try container.decodeIfPresent([String: String].self, forKey: .codeMap) ?? [:]
        headers = try HeaderTemplate.decodeTable(container, key: .headers)
        credentials = try container.decodeIfPresent([String: SecretReference].self, forKey: .credentials) ?? [:]
        for name in credentials.keys where !Identifiers.isTemplateName(name) {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [CodingKeys.credentials, AnyCodingKey(name)], debugDescription: "credential names are lowercase letters, digits and '_'"))
        }
        secretParameters = try container.decodeIfPresent([String].self, forKey: .secretParameters) ?? []
        batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? 1
        guard (1...1000).contains(batchSize) else { throw container.invalid(.batchSize, "must be between 1 and 1000") }
        rateLimit = try container.decodeIfPresent(Double.self, forKey: .rateLimit)
        if let rate = rateLimit {
            guard rate >= 0, rate <= 10_000, rate.isFinite else { throw container.invalid(.rateLimit, "must be zero (no limit) or a number of requests per second up to 10000") }
            if rate == 0 { rateLimit = nil }
            if let rate = rateLimit, rate < 0.0001 { throw container.invalid(.rateLimit, "must be at least 0.0001 (one request in about three hours)") }
        }
        burst = try container.count(.burst, default: max(1, Int((rateLimit ?? 1).rounded(.up))), in: ConfigRange.burst)
        maxInFlight = try container.decodeIfPresent(Int.self, forKey: .maxInFlight) ?? 8
        guard (1...4096).contains(maxInFlight) else { throw container.invalid(.maxInFlight, "must be between 1 and 4096") }
        connectTimeout = try container.duration(.connectTimeout, default: ConfigDuration(seconds: 10), in: ConfigRange.connectTimeout)
        timeout = try container.duration(.timeout, default: ConfigDuration(seconds: 30), in: ConfigRange.timeout)
        maxResponseBytes = try container.size(.maxResponseBytes, default: ConfigByteSize(bytes: 4 << 20), in: ConfigRange.responseSize)
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        followRedirects = try container.decodeIfPresent(Bool.self, forKey: .followRedirects) ?? false
        if let zone = try container.decodeIfPresent(String.self, forKey: .timeZone) {
            guard let rules = ZoneRules(identifier: zone) else { throw container.invalid(.timeZone, "unknown time zone '\(zone)'") }
            timeZone = rules
        }
        pollIntervals = try container.decodeIfPresent(PollIntervalOverrides.self, forKey: .pollIntervals)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        command = try container.decodeIfPresent([String].self, forKey: .command) ?? []
        statusRules = (try container.decodeIfPresent([StatusRuleSettings].self, forKey: .statusRules) ?? []).map(\.rule)
        if adapter != .json {
            for key in [CodingKeys.request, .response] where container.contains(key) {
                throw container.invalid(key, "only adapter \"json\" takes a [courier.\(key.stringValue)] table")
            }
        }
        if adapter != .exec, container.contains(.command) {
            throw container.invalid(.command, "only adapter \"exec\" runs a command")
        }

        switch adapter {
        case .exec:
            guard let program = command.first, program.hasPrefix("/") else {
                throw DecodingError.keyNotFound(CodingKeys.command, .init(codingPath: container.codingPath, debugDescription: "adapter \"exec\" needs `command`, a list starting with the program's absolute path"))
            }
        case .seventeenTrack, .afterShip:
            guard credentials["api_key"] != nil else {
                throw DecodingError.keyNotFound(CodingKeys.credentials, .init(codingPath: container.codingPath, debugDescription: "adapter \"\(adapter.rawValue)\" needs an `api_key` credential"))
            }
        case .json:
            guard container.contains(.request) else { throw DecodingError.keyNotFound(CodingKeys.request, .init(codingPath: container.codingPath, debugDescription: "adapter \"json\" needs a [courier.request] table")) }
            guard container.contains(.response) else { throw DecodingError.keyNotFound(CodingKeys.response, .init(codingPath: container.codingPath, debugDescription: "adapter \"json\" needs a [courier.response] table")) }
            let request = try container.decode(JSONRequestSettings.self, forKey: .request)
            let response = try container.decode(JSONResponseSettings.self, forKey: .response)
            json = JSONDialectSettings(request: request, response: response, statusRules: statusRules)
            if request.url == nil, endpoint == nil {
                throw container.invalid(.request, "give `endpoint` with `request.path`, or a full `request.url`")
            }
            let allowed = Set(["tracking_number", "courier_code"] + credentials.keys)
            for (key, template) in request.templates {
                for name in template.placeholders where !allowed.contains(name) && name != "tracking_numbers" {
                    throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [CodingKeys.request, AnyCodingKey(key)],
                        debugDescription: "unknown placeholder {\(name)}; known: \(allowed.sorted().map { "{\($0)}" }.joined(separator: ", "))"))
                }
            }
            for header in headers {
                for name in header.value.placeholders where !allowed.contains(name) {
                    throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [CodingKeys.headers, AnyCodingKey(header.name)],
                        debugDescription: "unknown placeholder {\(name)}"))
                }
            }
        }
    }

    /// The courier's `id`, typed (checked when the config was read).
    package var courierID: CourierID { CourierID(trusted: id) }

    /// The code to ask the API for, given the courier code an order came with: the order's own
    /// code when this courier serves it (an aggregator serving jne and jnt), else `courier_code`;
    /// translated through `code_map`.
    package func apiCode(forIntakeCode code: String?) -> String? {
        vocabularyCode(forIntakeCode: code).map { codeMap[$0] ?? $0 }
    }

    /// lacak's courier code for a shipment of intake code `code` (before `code_map`): the
    /// order's own code when this courier serves it, else `courier_code`. Status rules scoped
    /// with `couriers = [...]` are chosen by it.
    package func vocabularyCode(forIntakeCode code: String?) -> String? {
        code.flatMap { $0 != id && codes.contains($0) ? $0 : nil } ?? courierCode?.lowercased()
    }

    /// The zone to read this courier's local times in.
    package func zone(default daemonZone: ZoneRules) -> ZoneRules {
        timeZone ?? daemonZone
    }
}

/// The kinds of adapter a courier can use.
package enum AdapterKind: String, Sendable, CaseIterable {
    /// Declarative: request and response mapping written in the config.
    case json
    /// A program speaking JSON on stdin and stdout, in any language.
    case exec
    /// 17TRACK API v2.2 (native: numbers are registered before they can be queried).
    case seventeenTrack = "17track"
    /// AfterShip Tracking API (native: trackings are created before they can be listed).
    case afterShip = "aftership"
}

/// A header whose value may contain `{placeholders}`.
package struct HeaderTemplate: Sendable, Equatable {
    package var name: String
    package var value: Template

    static func decodeTable<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, key: Key) throws -> [HeaderTemplate] {
        guard container.contains(key) else { return [] }
        let table = try container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: key)
        return try table.allKeys.sorted { $0.stringValue < $1.stringValue }.map { headerKey in
            let value = try table.decode(String.self, forKey: headerKey)
            guard Identifiers.isHeaderName(headerKey.stringValue) else {
                throw DecodingError.dataCorrupted(.init(codingPath: table.codingPath + [headerKey], debugDescription: "not a valid HTTP header name"))
            }
            guard !value.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw table.invalid(headerKey, "a header value cannot contain line breaks")
            }
            return HeaderTemplate(name: headerKey.stringValue, value: Template(value))
        }
    }
}

/// One `[[courier.status_rule]]` table.
struct StatusRuleSettings: Decodable {
    var rule: StatusRule

    enum CodingKeys: String, CodingKey, CaseIterable {
        case code, match, status, reason, couriers
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var codes: [String] = []
        if let single = try? container.decodeIfPresent(String.self, forKey: .code) {
            codes = [single]
        } else if container.contains(.code) {
            codes = try container.decode([String].self, forKey: .code)
        }
        let pattern = try container.decodeIfPresent(String.self, forKey: .match)
        let statusName = try container.decode(String.self, forKey: .status)
        guard let status = CarrierStatus(rawValue: statusName) else {
            throw container.invalid(.status, "unknown status '\(statusName)'; use one of \(CarrierStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var reason: StatusReason?
        if let reasonName = try container.decodeIfPresent(String.self, forKey: .reason) {
            guard let value = StatusReason(validating: reasonName) else {
                throw container.invalid(.reason, "a reason is lowercase letters, digits and '_', e.g. \"address_issue\"")
            }
            reason = value
        }
        let couriers = try container.decodeIfPresent([String].self, forKey: .couriers) ?? []
        for code in couriers where !Identifiers.isValidCourierID(code.lowercased()) {
            throw container.invalid(.couriers, "'\(code)' is not a courier code")
        }
        do {
            rule = try StatusRule(codes: codes, pattern: pattern, status: status, reason: reason, couriers: Set(couriers.map { $0.lowercased() }))
        } catch {
            throw container.invalid(pattern == nil ? .code : .match, error.message)
        }
    }
}
