import LoopbackHTTP
import Foundation

/// AfterShip Tracking API 2025-04: `GET /tracking/2025-04/trackings?tracking_numbers=…` lists
/// trackings created before with `POST /tracking/2025-04/trackings`; header `as-api-key`.
/// Answers `{"meta": {code, message?, type?}, "data": …}`; checkpoints oldest first.
struct AfterShipDialect: Dialect {
    static let name = "aftership"
    let book: ShipmentBook

    func routes(book: ShipmentBook, apiKey: String?) -> [LoopbackRoute] {
        [
            LoopbackRoute("GET", "/tracking/2025-04/trackings") { request in self.list(request, apiKey: apiKey) },
            LoopbackRoute("POST", "/tracking/2025-04/trackings") { request in self.create(request, apiKey: apiKey) },
        ]
    }

    static func meta(_ status: Int, code: Int, message: String, type: String) -> LoopbackResponse {
        SimResponse.json(["meta": ["code": code, "message": message, "type": type], "data": [String: Any]()], status: status)
    }

    func quotaExceeded(retryAfter: Int) -> LoopbackResponse {
        var response = Self.meta(429, code: 429, message: "You have exceeded the API call rate limit. The default limit is 10 requests per second.", type: "TooManyRequests")
        response.headers.append(("Retry-After", String(retryAfter)))
        response.headers.append(("X-RateLimit-Reset", String(Int(Date().timeIntervalSince1970) + retryAfter)))
        return response
    }

    private func authorized(_ request: LoopbackRequest, _ apiKey: String?) -> Bool {
        apiKey == nil || request.header("as-api-key") == apiKey
    }

    private func list(_ request: LoopbackRequest, apiKey: String?) -> LoopbackResponse {
        guard authorized(request, apiKey) else { return Self.meta(401, code: 401, message: "Invalid API key.", type: "Unauthorized") }
        let numbers = (request.query["tracking_numbers"] ?? "").split(separator: ",").map(String.init)
        let trackings = numbers.filter { book.isRegistered($0, dialect: Self.name) }.map(tracking)
        return SimResponse.json(["meta": ["code": 200], "data": ["pagination": ["total": trackings.count, "has_next_page": false], "trackings": trackings]])
    }

    private func create(_ request: LoopbackRequest, apiKey: String?) -> LoopbackResponse {
        guard authorized(request, apiKey) else { return Self.meta(401, code: 401, message: "Invalid API key.", type: "Unauthorized") }
        guard let body = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
              let number = body["tracking_number"] as? String, !number.isEmpty else {
            return Self.meta(400, code: 4005, message: "The value of `tracking_number` is invalid.", type: "BadRequest")
        }
        guard book.register(number, dialect: Self.name) else {
            return Self.meta(400, code: 4003, message: "Tracking already exists.", type: "BadRequest")
        }
        return SimResponse.json(["meta": ["code": 201], "data": tracking(number)], status: 201)
    }

    private func tracking(_ number: String) -> [String: Any] {
        let (timeline, start, elapsed) = book.observe(number)
        let known = Double(timeline.unknownForMinutes) <= elapsed
        let steps = known ? timeline.visibleSteps(elapsedMinutes: elapsed) : []
        let checkpoints: [[String: Any]] = steps.map { step in
            let tags = Self.tags(step.kind)
            return ["checkpoint_time": ISOTime.string(start + Double(step.minutes) * 60, offsetSeconds: 7 * 3600),
                    "message": ScanTexts.english(step, timeline: timeline), "tag": tags.0, "subtag": tags.1,
                    "location": step.location, "city": step.location, "country_iso3": "IDN", "slug": "jne"]
        }
        let latest = steps.last.map { Self.tags($0.kind) } ?? ("Pending", "Pending_001")
        return ["id": "sim" + String(stableHash(number)), "tracking_number": number, "slug": "jne",
                "tag": latest.0, "subtag": latest.1, "checkpoints": checkpoints, "shipment_type": "REG"]
    }

    static func tags(_ kind: StepKind) -> (String, String) {
        switch kind {
        case .infoReceived: return ("InfoReceived", "InfoReceived_001")
        case .pickedUp: return ("InTransit", "InTransit_002")
        case .sortedAtOrigin, .forwarded: return ("InTransit", "InTransit_007")
        case .arrivedAtDestination: return ("InTransit", "InTransit_003")
        case .exceptionHold: return ("Exception", "Exception_007")
        case .outForDelivery: return ("OutForDelivery", "OutForDelivery_001")
        case .failedAttempt: return ("AttemptFail", "AttemptFail_002")
        case .delivered: return ("Delivered", "Delivered_001")
        case .returning: return ("Exception", "Exception_010")
        case .returned: return ("Exception", "Exception_011")
        }
    }
}

/// EasyPost Trackers: `POST /v2/trackers` with `{"tracker": {tracking_code, carrier}}` and
/// HTTP Basic auth (the key as user name); returns the Tracker, creating it the first time.
struct EasyPostDialect: Dialect {
    static let name = "easypost"
    let book: ShipmentBook

    func routes(book: ShipmentBook, apiKey: String?) -> [LoopbackRoute] {
        [LoopbackRoute("POST", "/v2/trackers") { request in self.create(request, apiKey: apiKey) }]
    }

    static func error(_ status: Int, code: String, message: String) -> LoopbackResponse {
        SimResponse.json(["error": ["code": code, "message": message, "errors": [Any]()]], status: status)
    }

    func quotaExceeded(retryAfter: Int) -> LoopbackResponse {
        var response = Self.error(429, code: "RATE_LIMITED", message: "You have exceeded the rate limit for this endpoint.")
        response.headers.append(("Retry-After", String(retryAfter)))
        return response
    }

    private func create(_ request: LoopbackRequest, apiKey: String?) -> LoopbackResponse {
        if let apiKey {
            let expected = "Basic " + Data((apiKey + ":").utf8).base64EncodedString()
            guard request.header("Authorization") == expected else {
                return Self.error(401, code: "APIKEY.INVALID", message: "The API key provided is invalid.")
            }
        }
        guard let body = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
              let tracker = body["tracker"] as? [String: Any], let code = tracker["tracking_code"] as? String, !code.isEmpty else {
            return Self.error(422, code: "TRACKER.TRACKING_CODE.INVALID", message: "Invalid tracking_code.")
        }
        let carrier = tracker["carrier"] as? String ?? "USPS"
        let (timeline, start, elapsed) = book.observe(code)
        let known = Double(timeline.unknownForMinutes) <= elapsed
        let steps = known ? timeline.visibleSteps(elapsedMinutes: elapsed) : []
        let details: [[String: Any]] = steps.map { step in
            let status = Self.status(step.kind)
            return ["object": "TrackingDetail", "message": ScanTexts.english(step, timeline: timeline), "description": NSNull(),
                    "status": status.0, "status_detail": status.1, "datetime": ISOTime.string(start + Double(step.minutes) * 60, offsetSeconds: 0),
                    "source": carrier, "carrier_code": NSNull(),
                    "tracking_location": ["object": "TrackingLocation", "city": step.location, "state": NSNull(), "country": "ID", "zip": NSNull()]]
        }
        let latest = steps.last.map { Self.status($0.kind) } ?? ("unknown", "unknown")
        return SimResponse.json([
            "id": "trk_" + String(stableHash(code), radix: 16), "object": "Tracker", "mode": "test", "tracking_code": code,
            "status": latest.0, "status_detail": latest.1, "carrier": carrier, "tracking_details": details, "fees": [Any](),
        ], status: 201)
    }

    static func status(_ kind: StepKind) -> (String, String) {
        switch kind {
        case .infoReceived: return ("pre_transit", "label_created")
        case .pickedUp: return ("in_transit", "received_at_origin_facility")
        case .sortedAtOrigin: return ("in_transit", "arrived_at_facility")
        case .forwarded: return ("in_transit", "departed_facility")
        case .arrivedAtDestination: return ("in_transit", "received_at_destination_facility")
        case .exceptionHold: return ("in_transit", "address_correction")
        case .outForDelivery: return ("out_for_delivery", "out_for_delivery")
        case .failedAttempt: return ("failure", "delivery_exception")
        case .delivered: return ("delivered", "status_update")
        case .returning, .returned: return ("return_to_sender", "return")
        }
    }
}
