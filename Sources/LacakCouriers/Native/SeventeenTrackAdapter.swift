package import LacakSupport
import LacakModel
package import LacakTransport
package import LacakConfig

/// 17TRACK API v2.2: `POST /track/v2.2/gettrackinfo` with up to 40 numbers, header `17token`.
///
/// Native rather than declarative because 17TRACK answers a number it has not been told about
/// with a rejection (-18019902) inside an HTTP 200: the provider then registers those numbers
/// (`/register`, which spends quota, so only for numbers that need it) and asks again.
package struct SeventeenTrackAdapter: HTTPProvider {
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

    package var maxBatchSize: Int { min(settings.batchSize, 40) }

    var base: String { exchange.base(default: "https://api.17track.net") }

    package func requests(for queries: [TrackingQuery]) throws(CourierError) -> [ProviderRequest] {
        [ProviderRequest(http: exchange.request("POST", base + "/track/v2.2/gettrackinfo", headers: [("17token", exchange.apiKey)], body: body(queries)),
                         queries: queries, step: .track)]
    }

    /// A gettrackinfo answer gives outcomes for the numbers 17TRACK knows; the others are
    /// registered (which spends quota, so only those) and asked for once more.
    package func parse(_ answer: Result<HTTPResponse, TransportError>, for request: ProviderRequest) -> ProviderReading {
        let received = exchange.read(answer)
        switch request.step {
        case .register:
            guard case .failure(let error) = received else {
                return ProviderReading(next: [ProviderRequest(http: exchange.request("POST", base + "/track/v2.2/gettrackinfo", headers: [("17token", exchange.apiKey)],
                                                                                          body: body(request.queries)),
                                                              queries: request.queries, step: .trackRegistered)])
            }
            return .failed(request, error)
        case .track, .trackRegistered:
            guard case .success(let answer) = received else {
                if case .failure(let error) = received { return .failed(request, error) }
                return .failed(request, .badResponse("no answer"))
            }
            let read = interpret(answer.body, for: request.queries.map(\.trackingNumber))
            guard case .success(var results) = read.result else {
                if case .failure(let error) = read.result { return .failed(request, error) }
                return .failed(request, .badResponse("no answer"))
            }
            let unregistered = request.queries.filter { read.unregistered.contains($0.trackingNumber) }
            if request.step == .trackRegistered || unregistered.isEmpty {
                for query in unregistered { results[query.trackingNumber] = .notFound(message: "registered with 17TRACK; no data yet") }
                return ProviderReading(results: results)
            }
            return ProviderReading(results: results, next: [ProviderRequest(
                http: exchange.request("POST", base + "/track/v2.2/register", headers: [("17token", exchange.apiKey)], body: body(unregistered)),
                queries: unregistered, step: .register)])
        }
    }

    private func body(_ queries: [TrackingQuery]) -> JSONValue {
        .array(queries.map { query in
            // 17TRACK's carrier keys are integers; anything else is left for it to detect.
            .fields(["number": .string(query.trackingNumber.rawValue), "carrier": query.courierCode.flatMap { Int64($0) }.map(JSONValue.integer)])
        })
    }

    package func interpret(_ response: HTTPResponse, for queries: [TrackingQuery]) -> BatchOutcome {
        let numbers = queries.map(\.trackingNumber)
        guard let body = try? JSONParser().parse(response.body) else {
            return .failed(numbers.map { TrackingQuery(trackingNumber: $0) }, .badResponse("body is not JSON"))
        }
        switch interpret(body, for: numbers).result {
        case .success(let results): return BatchOutcome(results: results)
        case .failure(let error): return .failed(numbers.map { TrackingQuery(trackingNumber: $0) }, error)
        }
    }

    /// Reads a gettrackinfo answer; pure, for tests and benchmarks.
    func interpret(_ body: JSONValue, for numbers: [TrackingNumber]) -> (result: Result<[TrackingNumber: TrackingOutcome], CourierError>, unregistered: Set<TrackingNumber>) {
        if let code = body["code"]?.integerValue, code != 0 {
            let message = NativeExchange.message(body) ?? "17TRACK error \(code)"
            if code == -18010002 || code == -18010001 || code == -18010004 || code == -18010005 {
                return (.failure(.unauthorized(message: message)), [])
            }
            if code == -18010014 { return (.failure(.rateLimited(retryAfter: nil)), []) }
            return (.failure(.badResponse(message)), [])
        }
        guard let data = body["data"], data["accepted"] != nil || data["rejected"] != nil else {
            return (.failure(.badResponse("no data.accepted or data.rejected in the answer")), [])
        }
        let wanted = Set(numbers)
        var results: [TrackingNumber: TrackingOutcome] = [:]
        var unregistered: Set<TrackingNumber> = []
        for item in data["accepted"]?.arrayValue ?? [] {
            guard let number = Self.number(item), wanted.contains(number) else { continue }
            results[number] = readTrackInfo(item["track_info"])
        }
        for item in data["rejected"]?.arrayValue ?? [] {
            guard let number = Self.number(item), wanted.contains(number) else { continue }
            let code = item["error"]?["code"]?.integerValue ?? 0
            let message = item["error"]?["message"]?.scalarText
            switch code {
            case -18019902: unregistered.insert(number)
            case -18019903, -18019909, -18019910: results[number] = .notFound(message: message)
            case -18019907, -18019908: results[number] = .failed(.rateLimited(retryAfter: 3600))
            default: results[number] = .failed(.badResponse(message ?? "rejected (\(code))"))
            }
        }
        for number in numbers where results[number] == nil && !unregistered.contains(number) {
            results[number] = .failed(.badResponse("tracking number missing from the response"))
        }
        return (.success(results), unregistered)
    }

    private static func number(_ item: JSONValue) -> TrackingNumber? {
        guard let raw = item["number"]?.scalarText, let number = TrackingNumber(echoed: raw) else { return nil }
        return number
    }

    func readTrackInfo(_ info: JSONValue?) -> TrackingOutcome {
        guard let info else { return .failed(.badResponse("no track_info")) }
        var events: [TrackingEvent] = []
        let providers = info["tracking"]?["providers"]?.arrayValue ?? []
        for provider in providers {
            for raw in provider["events"]?.arrayValue ?? [] {
                let timeValue = raw["time_utc"].flatMap { $0 == .null ? nil : $0 } ?? raw["time_iso"] ?? .null
                guard let time = TimeFormat.iso8601.timestamp(from: timeValue, zone: zone) else { continue }
                let description = raw["description"]?.scalarText?.trimmingWhitespace() ?? ""
                let stage = raw["stage"]?.scalarText
                let subStatus = raw["sub_status"]?.scalarText
                let codes = [subStatus, stage].compactMap { $0 }
                // The preset's rules (17track.toml) map 17TRACK's codes, after the config's own.
                let status = rules.classify(codes: codes, description: description)
                let location = raw["location"]?.scalarText?.trimmingWhitespace()
                events.append(TrackingEvent(time: time, description: description, code: codes.first, location: location?.isEmpty == true ? nil : location,
                                            status: status?.status, reason: status?.reason))
            }
        }
        let latest = info["latest_status"]
        if events.isEmpty, latest?["status"]?.stringValue == "NotFound" {
            return .notFound(message: latest?["sub_status"]?.scalarText)
        }
        // The latest status is 17TRACK's own reading of the whole history: it decides the newest event.
        if let subStatus = latest?["sub_status"]?.stringValue,
           let mapped = rules.classify(codes: [subStatus] + [latest?["status"]?.stringValue].compactMap { $0 }),
           let newest = events.indices.max(by: { TrackingEvent.chronological(events[$0], events[$1]) }) {
            events[newest].status = mapped.status
            events[newest].reason = mapped.reason ?? events[newest].reason
        }
        let service = info["misc_info"]?["service_type"]?.scalarText
        return .found(TrackingReport(events: events, service: service))
    }
}
