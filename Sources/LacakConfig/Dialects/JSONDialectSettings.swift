package import LacakSupport
package import LacakModel

/// Everything `adapter = "json"` needs to talk to a courier API: the request to send, where the
/// answers are in the response, and what the courier's words mean.
package struct JSONDialectSettings: Sendable {
    package var request: JSONRequestSettings
    package var response: JSONResponseSettings
    package var statusRules: [StatusRule]
}

/// `[courier.request]`: how to ask for a batch of tracking numbers.
package struct JSONRequestSettings: Sendable, Decodable {
    package var method: String
    /// A full URL template; alternative to `path` appended to the courier's `endpoint`.
    package var url: Template?
    /// Path and query appended to `endpoint`, e.g. `/v1/track?awb={tracking_number}`.
    package var path: Template?
    package var headers: [HeaderTemplate]
    /// Request body; `{tracking_numbers}` stands for the batch rendered with `body_item`.
    package var body: Template?
    /// One batch element, e.g. `{"number": "{tracking_number}"}`.
    package var bodyItem: Template?
    package var bodySeparator: String
    package var bodyEncoding: BodyEncoding
    package var contentType: String?
    /// HTTP Basic credentials (`{ user = "{api_key}", password = "" }`), sent as an
    /// `Authorization` header.
    package var basicAuth: (user: Template, password: Template)?

    /// How values are escaped when placed in a body.
    package enum BodyEncoding: String, Sendable, CaseIterable {
        /// JSON string escaping; the template supplies the quotes.
        case json
        /// `application/x-www-form-urlencoded` percent-encoding.
        case form
        /// No escaping (plain text bodies).
        case raw
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case method, url, path, headers, body
        case bodyItem = "body_item"
        case bodySeparator = "body_separator"
        case bodyEncoding = "body_encoding"
        case contentType = "content_type"
        case basicAuth = "basic_auth"
    }

    private struct BasicAuthSettings: Decodable {
        var user: String
        var password: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case user, password
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            user = try container.decode(String.self, forKey: .user)
            password = try container.decodeIfPresent(String.self, forKey: .password) ?? ""
        }
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = (try container.decodeIfPresent(String.self, forKey: .method) ?? "GET").uppercased()
        guard ["GET", "POST", "PUT"].contains(method) else { throw container.invalid(.method, "use GET, POST or PUT") }
        url = try container.decodeIfPresent(String.self, forKey: .url).map(Template.init)
        path = try container.decodeIfPresent(String.self, forKey: .path).map(Template.init)
        if url != nil, path != nil { throw container.invalid(.path, "give either `url` or `path`, not both") }
        if url == nil, path == nil {
            throw DecodingError.keyNotFound(CodingKeys.path, .init(codingPath: container.codingPath, debugDescription: "a request needs `path` (appended to endpoint) or `url`"))
        }
        if let url {
            let lower = url.description.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { throw container.invalid(.url, "must start with http:// or https://") }
        }
        if let path, !path.description.hasPrefix("/") { throw container.invalid(.path, "must start with '/'") }
        headers = try HeaderTemplate.decodeTable(container, key: .headers)
        body = try container.decodeIfPresent(String.self, forKey: .body).map(Template.init)
        bodyItem = try container.decodeIfPresent(String.self, forKey: .bodyItem).map(Template.init)
        bodySeparator = try container.decodeIfPresent(String.self, forKey: .bodySeparator) ?? ","
        let encoding = try container.decodeIfPresent(String.self, forKey: .bodyEncoding) ?? "json"
        guard let bodyEncoding = BodyEncoding(rawValue: encoding) else {
            throw container.invalid(.bodyEncoding, "use \"json\", \"form\" or \"raw\"")
        }
        self.bodyEncoding = bodyEncoding
        contentType = try container.decodeIfPresent(String.self, forKey: .contentType)
        basicAuth = try container.decodeIfPresent(BasicAuthSettings.self, forKey: .basicAuth).map { (Template($0.user), Template($0.password)) }
        if body == nil, method != "GET" {
            throw DecodingError.keyNotFound(CodingKeys.body, .init(codingPath: container.codingPath, debugDescription: "\(method) needs a `body`"))
        }
        if let body, body.placeholders.contains("tracking_numbers"), bodyItem == nil {
            throw container.invalid(.body, "{tracking_numbers} needs a `body_item` template for one number")
        }
        if let bodyItem, bodyItem.placeholders.contains("tracking_numbers") {
            throw container.invalid(.bodyItem, "`body_item` describes one number; use {tracking_number}")
        }
        for (key, template) in [(CodingKeys.url, url), (.path, path)] {
            if let template, template.placeholders.contains("tracking_numbers") {
                throw container.invalid(key, "{tracking_numbers} is only for bodies; URLs take {tracking_number}")
            }
        }
    }

    /// Whether one request can carry several tracking numbers.
    package var isBatch: Bool {
        body?.placeholders.contains("tracking_numbers") ?? false
    }

    /// The templates by config key, for placeholder checks.
    var templates: [(String, Template)] {
        var list: [(String, Template)] = []
        if let url { list.append(("url", url)) }
        if let path { list.append(("path", path)) }
        if let body { list.append(("body", body)) }
        if let bodyItem { list.append(("body_item", bodyItem)) }
        for header in headers { list.append(("headers", header.value)) }
        if let basicAuth {
            list.append(("basic_auth", basicAuth.user))
            list.append(("basic_auth", basicAuth.password))
        }
        return list
    }
}

/// `[courier.response]`: where shipments, numbers and events are in the courier's JSON.
package struct JSONResponseSettings: Sendable, Decodable {
    /// Path to the shipment object, or to a list of them (`data.items[*]`).
    package var shipments: JSONPath
    /// Path (inside a shipment) to its tracking number; required for batches.
    package var trackingNumber: JSONPath?
    /// Path (inside a shipment) to its list of events (`history[*]`).
    package var events: JSONPath
    /// Path (inside an event) to its time, or its time of day when `eventDate` is set.
    package var eventTime: JSONPath
    /// Path to the date when the courier writes date and time in separate fields.
    package var eventDate: JSONPath?
    package var eventDescription: JSONPath
    /// Paths (inside an event) to its status codes; `code` rules match any of them, so a list
    /// like `["status_detail", "status"]` lets fine-grained codes win over broad ones.
    package var eventCodes: [JSONPath]
    package var eventLocation: JSONPath?
    package var timeFormat: TimeFormat
    /// Path (inside a shipment) to the courier's service name (REG, YES…).
    package var service: JSONPath?
    /// Path (inside a shipment) to the aggregator's shipment-level status (`summary.status`):
    /// evidence that confirms or contradicts what the events say.
    package var shipmentStatus: JSONPath?
    /// What each shipment-level status text means (matched ignoring case); texts not listed
    /// are matched by `code` rules.
    package var shipmentStatuses: [String: CarrierStatus]
    /// Path (inside a shipment) to a true/false "delivered" flag (RajaOngkir's `delivered`).
    package var deliveredFlag: JSONPath?
    /// Paths (inside a shipment) to the proof of delivery: who received it, and when.
    package var podReceiver: JSONPath?
    package var podDate: JSONPath?
    package var podTime: JSONPath?
    /// Path (from the root) to the courier's error message, for logs.
    package var errorMessage: JSONPath?
    /// How the API says "no such tracking number".
    package var notFound: ResponseMatch?
    /// How the API says "your key is refused" when it does not use 401/403 (RajaOngkir: 400).
    package var unauthorized: ResponseMatch?

    /// A kind of answer recognised by HTTP status and/or the text at a path.
    package struct ResponseMatch: Sendable, Decodable {
        /// HTTP statuses that mean this (alone, or together with `match`).
        package var httpStatus: [Int]
        /// A path (from the root, or the shipment for batches) whose text is checked by `match`.
        package var path: JSONPath?
        /// Case-insensitive pattern that marks the text at `path` as "not found".
        package var match: String?
        let compiled: CompiledPattern?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case httpStatus = "http_status"
            case path, match
        }

        package init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            httpStatus = try container.decodeIfPresent([Int].self, forKey: .httpStatus) ?? []
            if let text = try container.decodeIfPresent(String.self, forKey: .path) {
                do { path = try JSONPath(text) } catch { throw container.invalid(.path, error.message) }
            } else {
                path = nil
            }
            match = try container.decodeIfPresent(String.self, forKey: .match)
            if let match {
                do { compiled = try CompiledPattern(match) } catch { throw container.invalid(.match, "not a valid regular expression") }
            } else {
                compiled = nil
            }
            if (path == nil) != (match == nil) { throw container.invalid(path == nil ? .match : .path, "`path` and `match` go together") }
            if httpStatus.isEmpty, path == nil {
                throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath, debugDescription: "give `http_status`, or `path` with `match`"))
            }
        }

        /// Whether a response (status and parsed body) means "not found".
        package func matches(status: Int, body: JSONValue?) -> Bool {
            let statusMatches = httpStatus.isEmpty || httpStatus.contains(status)
            guard statusMatches else { return false }
            guard let path, let compiled else { return true }
            guard let body, let text = path.first(in: body)?.scalarText else { return false }
            return compiled.matches(text)
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case shipments
        case trackingNumber = "tracking_number"
        case events
        case eventTime = "event_time"
        case eventDate = "event_date"
        case eventDescription = "event_description"
        case eventCode = "event_code"
        case eventLocation = "event_location"
        case timeFormat = "time_format"
        case service
        case shipmentStatus = "shipment_status"
        case shipmentStatuses = "shipment_statuses"
        case deliveredFlag = "delivered"
        case podReceiver = "pod_receiver"
        case podDate = "pod_date"
        case podTime = "pod_time"
        case errorMessage = "error_message"
        case notFound = "not_found"
        case unauthorized
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func path(_ key: CodingKeys) throws -> JSONPath? {
            guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
            do { return try JSONPath(text) } catch { throw container.invalid(key, error.message) }
        }
        func required(_ key: CodingKeys) throws -> JSONPath {
            guard let value = try path(key) else {
                throw DecodingError.keyNotFound(key, .init(codingPath: container.codingPath, debugDescription: "required"))
            }
            return value
        }
        shipments = try path(.shipments) ?? JSONPath("")
        trackingNumber = try path(.trackingNumber)
        events = try required(.events)
        eventTime = try required(.eventTime)
        eventDate = try path(.eventDate)
        eventDescription = try required(.eventDescription)
        if let single = try? container.decodeIfPresent(String.self, forKey: .eventCode) {
            do { eventCodes = [try JSONPath(single)] } catch { throw container.invalid(.eventCode, error.message) }
        } else {
            let list = try container.decodeIfPresent([String].self, forKey: .eventCode) ?? []
            do { eventCodes = try list.map { (text: String) throws(JSONPathError) -> JSONPath in try JSONPath(text) } } catch { throw container.invalid(.eventCode, error.message) }
        }
        eventLocation = try path(.eventLocation)
        let formats: [String]
        if let single = try? container.decodeIfPresent(String.self, forKey: .timeFormat) {
            formats = [single]
        } else {
            formats = try container.decodeIfPresent([String].self, forKey: .timeFormat) ?? ["iso8601"]
        }
        do {
            timeFormat = try TimeFormat(formats)
        } catch {
            throw container.invalid(.timeFormat, error.description)
        }
        if eventDate != nil, timeFormat.isEpoch { throw container.invalid(.eventDate, "a separate date field needs a text time_format") }
        service = try path(.service)
        shipmentStatus = try path(.shipmentStatus)
        var statuses: [String: CarrierStatus] = [:]
        for (text, name) in try container.decodeIfPresent([String: String].self, forKey: .shipmentStatuses) ?? [:] {
            guard let status = CarrierStatus(rawValue: name) else {
                throw container.invalid(.shipmentStatuses, "'\(name)' (for \"\(text)\") is not a carrier status; use one of \(CarrierStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            statuses[text.uppercased()] = status
        }
        shipmentStatuses = statuses
        if !statuses.isEmpty, shipmentStatus == nil { throw container.invalid(.shipmentStatuses, "needs `shipment_status`, the path of the text it maps") }
        deliveredFlag = try path(.deliveredFlag)
        podReceiver = try path(.podReceiver)
        podDate = try path(.podDate)
        podTime = try path(.podTime)
        errorMessage = try path(.errorMessage)
        notFound = try container.decodeIfPresent(ResponseMatch.self, forKey: .notFound)
        unauthorized = try container.decodeIfPresent(ResponseMatch.self, forKey: .unauthorized)
    }
}
