import Foundation
package import LacakSupport
import LacakModel
package import LacakTransport
package import LacakConfig

/// The declarative adapter: request templates and a response mapping from the config, so a
/// user adds a courier without recompiling.
package struct JSONAdapter: HTTPProvider {
    package let settings: CourierSettings
    let dialect: JSONDialectSettings
    let zone: ZoneRules
    let rules: StatusRuleSet
    let redactor: Redactor

    package init(settings: CourierSettings, defaultZone: ZoneRules) throws(CourierError) {
        guard let dialect = settings.json else { throw .adapter("courier \(settings.id) has no request/response mapping") }
        self.settings = settings
        self.dialect = dialect
        self.zone = settings.zone(default: defaultZone)
        self.rules = StatusRuleSet(dialect.statusRules)
        self.redactor = Redactor(secrets: Array(settings.secrets.values), parameterNames: settings.secretParameters + settings.credentials.keys)
    }

    package var maxBatchSize: Int {
        dialect.request.isBatch ? settings.batchSize : 1
    }

    package func requests(for queries: [TrackingQuery]) throws(CourierError) -> [ProviderRequest] {
        [ProviderRequest(http: try makeRequest(for: queries), queries: queries)]
    }

    package func parse(_ answer: Result<HTTPResponse, TransportError>, for request: ProviderRequest) -> ProviderReading {
        switch answer {
        case .failure(let error):
            return .failed(request, .transport(error.redacted(by: redactor)))
        case .success(let response):
            let outcome = interpret(response, for: request.queries)
            return ProviderReading(results: outcome.results, retryAfter: outcome.retryAfter)
        }
    }

    /// The HTTP request for a batch (one number unless the body template takes a list).
    package func makeRequest(for queries: [TrackingQuery]) throws(CourierError) -> HTTPRequest {
        let request = dialect.request
        let first = queries[0].trackingNumber.rawValue
        let courierCode = queries[0].courierCode ?? settings.courierCode ?? ""
        func value(_ name: String, number: String) -> String? {
            switch name {
            case "tracking_number": return number
            case "courier_code": return courierCode
            default: return settings.secrets[name]?.value
            }
        }
        let url: String
        if let template = request.url {
            url = template.render(escape: URLEncoding.percentEncode) { value($0, number: first) }
        } else if let template = request.path, let endpoint = settings.endpoint {
            let base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            url = base + template.render(escape: URLEncoding.percentEncode) { value($0, number: first) }
        } else {
            throw .adapter("courier \(settings.id) has no URL")
        }
        var headers: [(name: String, value: String)] = []
        for header in settings.headers where !request.headers.contains(where: { $0.name.caseInsensitiveEquals(header.name) }) {
            headers.append((header.name, header.value.render { value($0, number: first) }))
        }
        for header in request.headers {
            headers.append((header.name, header.value.render { value($0, number: first) }))
        }
        var body: [UInt8]?
        if let template = request.body {
            let escape: (String) -> String
            switch request.bodyEncoding {
            case .json: escape = JSONWriter.escaped
            case .form: escape = URLEncoding.percentEncode
            case .raw: escape = { $0 }
            }
            let items = request.bodyItem.map { item in
                queries.map { query in item.render(escape: escape) { value($0, number: query.trackingNumber.rawValue) } }.joined(separator: request.bodySeparator)
            }
            let text = template.render { name in
                if name == "tracking_numbers" { return items ?? "" }
                return value(name, number: first).map(escape)
            }
            body = Array(text.utf8)
            let contentType = request.contentType ?? (request.bodyEncoding == .form ? "application/x-www-form-urlencoded" : "application/json")
            if !headers.contains(where: { $0.name.caseInsensitiveEquals("Content-Type") }) {
                headers.append(("Content-Type", contentType))
            }
        }
        if !headers.contains(where: { $0.name.caseInsensitiveEquals("Accept") }) {
            headers.append(("Accept", "application/json"))
        }
        if let basicAuth = request.basicAuth {
            let pair = basicAuth.user.render { value($0, number: first) } + ":" + basicAuth.password.render { value($0, number: first) }
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        }
        let options = TransferOptions(
            connectTimeoutMilliseconds: settings.connectTimeout.milliseconds,
            timeoutMilliseconds: settings.timeout.milliseconds,
            maxResponseBytes: settings.maxResponseBytes.bytes,
            caFile: settings.caFile,
            followRedirects: settings.followRedirects
        )
        return HTTPRequest(method: request.method, url: url, headers: headers, body: body, options: options)
    }

    /// Reads a response into outcomes for `numbers`; pure, so tests and benchmarks call it directly.
    package func interpret(_ response: HTTPResponse, for queries: [TrackingQuery]) -> BatchOutcome {
        // Courier text enters lacak here, redacted once: an echoed key goes no further.
        var response = response
        response.body = redactor.redact(bytes: response.body)
        let mapping = dialect.response
        let numbers = queries.map(\.trackingNumber)
        let vocabulary = queries.first?.vocabulary
        let root: JSONValue?
        let syntaxError: JSONSyntaxError?
        if response.body.isEmpty {
            root = nil
            syntaxError = nil
        } else {
            do {
                let parsed = try JSONParser().parse(response.body)
                root = redactor.hasShortSecrets ? redactor.redact(json: parsed) : parsed
                syntaxError = nil
            } catch {
                root = nil
                syntaxError = error
            }
        }
        let message = root.flatMap { mapping.errorMessage?.first(in: $0)?.scalarText }.map(redactor.redact)
        if response.status == 429 || (response.status == 503 && response.header("Retry-After") != nil) {
            return .failed(queries, .rateLimited(retryAfter: response.header("Retry-After").flatMap { RetryAfter.seconds($0) }))
        }
        if response.status == 401 || response.status == 403 || mapping.unauthorized?.matches(status: response.status, body: root) == true {
            return .failed(queries, .unauthorized(message: message))
        }
        if let notFound = mapping.notFound, !dialect.request.isBatch || notFound.path == nil,
           notFound.matches(status: response.status, body: root) {
            var results: [TrackingNumber: TrackingOutcome] = [:]
            for number in numbers { results[number] = .notFound(message: message) }
            return BatchOutcome(results: results)
        }
        guard response.isSuccess else {
            return .failed(queries, .http(status: response.status, message: message ?? Self.snippet(response.body).map(redactor.redact)))
        }
        guard let root else {
            if let syntaxError {
                return .failed(queries, .badResponse(redactor.redact("body is not JSON (\(syntaxError)); starts with \(Self.snippet(response.body) ?? "")")))
            }
            return .failed(queries, .badResponse("empty body"))
        }

        var shipments = mapping.shipments.values(in: root)
        if !mapping.shipments.hasWildcard, shipments.count == 1, case .array(let elements) = shipments[0] {
            shipments = elements
        }
        shipments = shipments.filter { $0 != .null }
        guard !shipments.isEmpty else {
            return .failed(queries, .badResponse("no shipment at '\(mapping.shipments)'" + (message.map { " (\($0))" } ?? "")))
        }

        var results: [TrackingNumber: TrackingOutcome] = [:]
        let requested = Set(numbers)
        for shipment in shipments {
            let number: TrackingNumber
            if let path = mapping.trackingNumber, let text = path.first(in: shipment)?.scalarText,
               let normalized = TrackingNumber(echoed: text) {
                number = normalized
            } else if numbers.count == 1 {
                number = numbers[0]
            } else {
                continue
            }
            guard requested.contains(number), results[number] == nil else { continue }
            if let notFound = mapping.notFound, dialect.request.isBatch, notFound.path != nil,
               notFound.matches(status: response.status, body: shipment) {
                results[number] = .notFound(message: message)
                continue
            }
            results[number] = readShipment(shipment, vocabulary: vocabulary)
        }
        for number in numbers where results[number] == nil {
            results[number] = .failed(.badResponse("tracking number missing from the response"))
        }
        return BatchOutcome(results: results)
    }

    /// Reads one shipment object into a report; `vocabulary` is lacak's code of the courier
    /// that carries it, whose status rules apply.
    func readShipment(_ shipment: JSONValue, vocabulary: String? = nil, now: Timestamp = .now) -> TrackingOutcome {
        let mapping = dialect.response
        var rawEvents = mapping.events.values(in: shipment)
        if !mapping.events.hasWildcard, rawEvents.count == 1, case .array(let elements) = rawEvents[0] {
            rawEvents = elements
        }
        var events: [TrackingEvent] = []
        events.reserveCapacity(rawEvents.count)
        var skipped = 0
        var firstBadTime: String?
        for raw in rawEvents {
            guard let time = eventTime(raw, now: now) else {
                skipped += 1
                if firstBadTime == nil { firstBadTime = timeText(raw) }
                continue
            }
            let description = mapping.eventDescription.first(in: raw)?.scalarText?.trimmingWhitespace() ?? ""
            let codes = mapping.eventCodes.compactMap { $0.first(in: raw)?.scalarText }.filter { !$0.isEmpty }
            let location = mapping.eventLocation?.first(in: raw)?.scalarText?.trimmingWhitespace()
            let classified = rules.classify(codes: codes, description: description, courier: vocabulary)
            events.append(TrackingEvent(time: time, description: description, code: codes.first,
                                        location: location?.isEmpty == true ? nil : location,
                                        status: classified?.status, reason: classified?.reason))
        }
        if events.isEmpty, skipped > 0 {
            return .failed(.badResponse("no event time could be read with time_format \"\(mapping.timeFormat)\", e.g. \(firstBadTime ?? "nothing")"))
        }
        let evidence = shipmentEvidence(shipment, vocabulary: vocabulary)
        if evidence?.status == .delivered, !events.contains(where: { $0.status == .delivered }),
           let proof = proofOfDelivery(shipment, now: now) {
            events.append(proof)
        }
        let service = mapping.service?.first(in: shipment)?.scalarText?.trimmingWhitespace()
        return .found(TrackingReport(events: events, service: service?.isEmpty == true ? nil : service, skippedEvents: skipped, evidence: evidence))
    }

    /// The aggregator's verdict on the whole shipment: its `delivered` flag, else its
    /// shipment-level status text through `shipment_statuses` (or the `code` rules).
    func shipmentEvidence(_ shipment: JSONValue, vocabulary: String?) -> ShipmentEvidence? {
        let mapping = dialect.response
        // A status word, not a document: bounded before it can reach a log line.
        let text = mapping.shipmentStatus?.first(in: shipment)?.scalarText?.trimmingWhitespace().prefix(100).description
        if let flag = mapping.deliveredFlag?.first(in: shipment), flag == .bool(true) || flag.scalarText?.lowercased() == "true" {
            return ShipmentEvidence(text: text ?? "delivered", status: .delivered)
        }
        guard let text, !text.isEmpty else { return nil }
        let status = mapping.shipmentStatuses[text.uppercased()] ?? rules.classify(code: text, description: text, courier: vocabulary)?.status
        return ShipmentEvidence(text: text, status: status)
    }

    /// A delivered event made from the proof of delivery the aggregator gives beside its
    /// events (RajaOngkir's `delivery_status`), when no event says delivered in words.
    func proofOfDelivery(_ shipment: JSONValue, now: Timestamp) -> TrackingEvent? {
        let mapping = dialect.response
        guard let datePath = mapping.podDate, let date = datePath.first(in: shipment)?.scalarText?.trimmingWhitespace(), !date.isEmpty else { return nil }
        let clock = mapping.podTime?.first(in: shipment)?.scalarText?.trimmingWhitespace() ?? ""
        guard let time = mapping.timeFormat.timestamp(from: .string(clock.isEmpty ? date : date + " " + clock), zone: zone, now: now)
            ?? mapping.timeFormat.timestamp(from: .string(date + " 00:00"), zone: zone, now: now)
        else { return nil }
        let receiver = mapping.podReceiver?.first(in: shipment)?.scalarText?.trimmingWhitespace().prefix(100).description
        let description = receiver.map { $0.isEmpty ? "Delivered (proof of delivery)" : "Delivered to \($0) (proof of delivery)" } ?? "Delivered (proof of delivery)"
        return TrackingEvent(time: time, description: description, code: "POD", status: .delivered)
    }

    private func eventTime(_ event: JSONValue, now: Timestamp) -> Timestamp? {
        let mapping = dialect.response
        if let datePath = mapping.eventDate {
            guard let date = datePath.first(in: event)?.scalarText else { return nil }
            let clock = mapping.eventTime.first(in: event)?.scalarText ?? ""
            let combined = clock.isEmpty ? date : date + " " + clock
            return mapping.timeFormat.timestamp(from: .string(combined), zone: zone, now: now)
        }
        guard let value = mapping.eventTime.first(in: event) else { return nil }
        return mapping.timeFormat.timestamp(from: value, zone: zone, now: now)
    }

    private func timeText(_ event: JSONValue) -> String {
        let mapping = dialect.response
        let date = mapping.eventDate.flatMap { $0.first(in: event)?.scalarText }
        let clock = mapping.eventTime.first(in: event)?.scalarText
        let text = [date, clock].compactMap { $0 }.joined(separator: " ")
        return text.isEmpty ? "no value at '\(mapping.eventTime)'" : "\"\(text)\""
    }

    /// The start of a body as printable text, for error messages.
    static func snippet(_ body: [UInt8]) -> String? {
        guard !body.isEmpty else { return nil }
        let prefix = body.prefix(120).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: " ") }
        var text = String(decoding: prefix, as: UTF8.self).trimmingWhitespace()
        if body.count > 120 { text += "…" }
        return "\"\(text)\""
    }
}

