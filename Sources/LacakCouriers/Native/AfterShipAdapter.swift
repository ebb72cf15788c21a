package import LacakSupport
import LacakModel
package import LacakTransport
package import LacakConfig

/// AfterShip Tracking API (versioned, 2025-04): `GET /trackings?tracking_numbers=…`, header
/// `as-api-key`.
///
/// Native rather than declarative because AfterShip only knows numbers that were created with
/// `POST /trackings`: numbers missing from the list are created (one request each) and report
/// no events until AfterShip has fetched them from the courier.
package struct AfterShipAdapter: HTTPProvider {
    package let settings: CourierSettings
    let exchange: NativeExchange
    let zone: ZoneRules
    let rules: StatusRuleSet

    package init(settings: CourierSettings, defaultZone: ZoneRules) {
        self.settings = settings
        exchange = NativeExchange(settings: settings)
        zone = settings.zone(default: defaultZone)
        rules = StatusRuleSet(settings.statusRules)
    }

    package var maxBatchSize: Int { min(settings.batchSize, 50) }

    var base: String { exchange.base(default: "https://api.aftership.com/tracking/2025-04") }

    private var headers: [(name: String, value: String)] { [("as-api-key", exchange.apiKey)] }

    package func requests(for queries: [TrackingQuery]) throws(CourierError) -> [ProviderRequest] {
        let list = queries.map { URLEncoding.percentEncode($0.trackingNumber.rawValue) }.joined(separator: ",")
        return [ProviderRequest(http: exchange.request("GET", base + "/trackings?tracking_numbers=" + list, headers: headers), queries: queries, step: .track)]
    }

    /// The list answer gives the numbers AfterShip holds; each one it lacks is created (one
    /// request each) and reports no events until AfterShip has fetched it from the courier.
    package func parse(_ answer: Result<HTTPResponse, TransportError>, for request: ProviderRequest) -> ProviderReading {
        switch request.step {
        case .register, .trackRegistered:
            guard let query = request.queries.first else { return ProviderReading() }
            switch exchange.read(answer, acceptedStatuses: [400, 404, 422]) {
            case .failure(let error): return ProviderReading(results: [query.trackingNumber: .failed(error)])
            case .success(let answer): return ProviderReading(results: [query.trackingNumber: created(answer.status, answer.body)])
            }
        case .track:
            switch exchange.read(answer) {
            case .failure(let error):
                return .failed(request, error)
            case .success(let answer):
                let results = interpret(answer.body, for: request.queries.map(\.trackingNumber))
                let missing = request.queries.filter { results[$0.trackingNumber] == nil }
                return ProviderReading(results: results, next: missing.map(creation))
            }
        }
    }

    private func creation(_ query: TrackingQuery) -> ProviderRequest {
        var fields: [(key: String, value: JSONValue)] = [("tracking_number", .string(query.trackingNumber.rawValue))]
        if let slug = query.courierCode { fields.append(("slug", .string(slug))) }
        return ProviderRequest(http: exchange.request("POST", base + "/trackings", headers: headers, body: .object(JSONObject(fields))), queries: [query], step: .register)
    }

    package func interpret(_ response: HTTPResponse, for queries: [TrackingQuery]) -> BatchOutcome {
        let numbers = queries.map(\.trackingNumber)
        guard let body = try? JSONParser().parse(response.body) else {
            return .failed(numbers.map { TrackingQuery(trackingNumber: $0) }, .badResponse("body is not JSON"))
        }
        return BatchOutcome(results: interpret(body, for: numbers))
    }

    /// Reads the list answer; numbers it does not hold are left out. Pure, for tests.
    func interpret(_ body: JSONValue, for numbers: [TrackingNumber]) -> [TrackingNumber: TrackingOutcome] {
        let wanted = Set(numbers)
        var results: [TrackingNumber: TrackingOutcome] = [:]
        let trackings = body["data"]?["trackings"]?.arrayValue ?? []
        for tracking in trackings {
            guard let raw = tracking["tracking_number"]?.scalarText, let number = TrackingNumber(echoed: raw),
                  wanted.contains(number), results[number] == nil else { continue }
            results[number] = readTracking(tracking)
        }
        return results
    }

    /// The outcome of creating a tracking: it exists now, with nothing known yet.
    private func created(_ status: Int, _ body: JSONValue) -> TrackingOutcome {
        let code = body["meta"]?["code"]?.integerValue ?? Int64(status)
        switch code {
        case 200, 201:
            let tracking = body["data"]?["tracking"] ?? body["data"]
            return tracking.map(readTracking) ?? .found(TrackingReport(events: []))
        case 4003:
            return .found(TrackingReport(events: []))
        case 4005, 4012, 4017:
            return .notFound(message: NativeExchange.message(body))
        default:
            return .failed(.http(status: status, message: NativeExchange.message(body)))
        }
    }

    func readTracking(_ tracking: JSONValue) -> TrackingOutcome {
        var events: [TrackingEvent] = []
        for checkpoint in tracking["checkpoints"]?.arrayValue ?? [] {
            guard let value = checkpoint["checkpoint_time"], let time = TimeFormat.iso8601.timestamp(from: value, zone: zone) else { continue }
            let description = checkpoint["message"]?.scalarText?.trimmingWhitespace() ?? ""
            let tag = checkpoint["tag"]?.scalarText
            let subtag = checkpoint["subtag"]?.scalarText
            let codes = [subtag, tag].compactMap { $0 }
            // The preset's rules (aftership.toml) map AfterShip's tags, after the config's own.
            let status = rules.classify(codes: codes, description: description)
            let location = (checkpoint["location"]?.scalarText ?? checkpoint["city"]?.scalarText)?.trimmingWhitespace()
            events.append(TrackingEvent(time: time, description: description, code: codes.first, location: location?.isEmpty == true ? nil : location,
                                        status: status?.status, reason: status?.reason))
        }
        return .found(TrackingReport(events: events, service: tracking["shipment_type"]?.scalarText))
    }
}
