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
package struct AfterShipAdapter: CourierAdapter {
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

    package func track(_ queries: [TrackingQuery], using client: HTTPClient) async -> BatchOutcome {
        guard !queries.isEmpty else { return BatchOutcome(results: [:], requests: 0) }
        let list = queries.map { URLEncoding.percentEncode($0.trackingNumber.rawValue) }.joined(separator: ",")
        let headers = [("as-api-key", exchange.apiKey)]
        var requests = 1
        var results: [TrackingNumber: TrackingOutcome]
        switch await exchange.send("GET", base + "/trackings?tracking_numbers=" + list, headers: headers, using: client) {
        case .failure(let error):
            return .failed(queries, error)
        case .success(let answer):
            results = interpret(answer.body, for: queries.map(\.trackingNumber))
        }
        for query in queries where results[query.trackingNumber] == nil {
            requests += 1
            var fields: [(key: String, value: JSONValue)] = [("tracking_number", .string(query.trackingNumber.rawValue))]
            if let slug = query.courierCode { fields.append(("slug", .string(slug))) }
            switch await exchange.send("POST", base + "/trackings", headers: headers, body: .object(JSONObject(fields)), acceptedStatuses: [400, 404, 422], using: client) {
            case .failure(let error):
                results[query.trackingNumber] = .failed(error)
            case .success(let answer):
                results[query.trackingNumber] = created(answer.status, answer.body)
            }
        }
        return BatchOutcome(results: results, requests: requests)
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
