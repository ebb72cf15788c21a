import LoopbackHTTP
import Foundation

/// 17TRACK API v2.2: `POST /track/v2.2/register` and `/gettrackinfo`, header `17token`, bodies
/// `[{"number": …, "carrier": …?}]` of at most 40. Answers `{"code": 0, "data": {"accepted":
/// […], "rejected": [{number, error: {code, message}}]}}`; an unregistered number is rejected
/// with -18019902 inside an HTTP 200.
struct SeventeenTrackDialect: Dialect {
    static let name = "17track"
    let book: ShipmentBook

    func routes(book: ShipmentBook, apiKey: String?) -> [LoopbackRoute] {
        [
            LoopbackRoute("POST", "/track/v2.2/register") { request in self.handle(request, apiKey: apiKey, register: true) },
            LoopbackRoute("POST", "/track/v2.2/gettrackinfo") { request in self.handle(request, apiKey: apiKey, register: false) },
        ]
    }

    func quotaExceeded(retryAfter: Int) -> LoopbackResponse {
        SimResponse.json(["code": -18010014, "data": ["errors": [["code": -18010014, "message": "Request limit exceeded"]]]],
                         status: 429, headers: ["Retry-After": String(retryAfter)])
    }

    private func handle(_ request: LoopbackRequest, apiKey: String?, register: Bool) -> LoopbackResponse {
        if let apiKey, request.header("17token") != apiKey {
            return SimResponse.json(["code": -18010002, "data": ["errors": [["code": -18010002, "message": "Access token is invalid"]]]], status: 401)
        }
        guard let items = try? JSONSerialization.jsonObject(with: request.body) as? [[String: Any]] else {
            return SimResponse.json(["code": -18010013, "data": ["errors": [["code": -18010013, "message": "Submitted data is invalid"]]]])
        }
        guard items.count <= 40 else {
            return SimResponse.json(["code": -18010014, "data": ["errors": [["code": -18010014, "message": "Request limit exceeded"]]]])
        }
        var accepted: [[String: Any]] = []
        var rejected: [[String: Any]] = []
        for item in items {
            guard let number = item["number"] as? String else { continue }
            if register {
                if book.register(number, dialect: Self.name) {
                    accepted.append(["origin": 1, "number": number, "carrier": 3011])
                } else {
                    rejected.append(["number": number, "error": ["code": -18019901, "message": "The tracking number \(number) has been registered, don't need to repeat registration"]])
                }
                continue
            }
            guard book.isRegistered(number, dialect: Self.name) else {
                rejected.append(["number": number, "error": ["code": -18019902, "message": "The tracking number \(number) does not register, please register first"]])
                continue
            }
            accepted.append(["number": number, "carrier": 3011, "param": NSNull(), "tag": NSNull(), "track_info": trackInfo(number)])
        }
        return SimResponse.json(["code": 0, "data": ["accepted": accepted, "rejected": rejected]])
    }

    private func trackInfo(_ number: String) -> [String: Any] {
        let (timeline, start, elapsed) = book.observe(number)
        let known = Double(timeline.unknownForMinutes) <= elapsed
        let steps = known ? timeline.visibleSteps(elapsedMinutes: elapsed) : []
        let events: [[String: Any]] = steps.reversed().map { step in
            let time = start + Double(step.minutes) * 60
            return ["time_iso": ISOTime.string(time, offsetSeconds: 7 * 3600), "time_utc": ISOTime.string(time, offsetSeconds: 0),
                    "description": ScanTexts.english(step, timeline: timeline), "location": step.location,
                    "stage": Self.stage(step.kind), "address": ["country": "ID", "city": step.location]]
        }
        let latest = steps.last.map(Self.latestStatus) ?? ("NotFound", "NotFound_Other")
        return [
            "shipping_info": ["shipper_address": ["country": "ID", "city": timeline.origin], "recipient_address": ["country": "ID", "city": timeline.destination]],
            "latest_status": ["status": latest.0, "sub_status": latest.1, "sub_status_descr": NSNull()],
            "latest_event": events.first ?? NSNull(),
            "misc_info": ["service_type": "Standard", "risk_factor": 0],
            "tracking": ["providers_hash": stableHash(number), "providers": [[
                "provider": ["key": 3011, "name": "Indonesia Courier", "country": "ID"],
                "latest_sync_status": "Success", "events_hash": stableHash(number + "#events"), "events": events,
            ]]],
        ]
    }

    static func stage(_ kind: StepKind) -> String {
        switch kind {
        case .infoReceived: return "InfoReceived"
        case .pickedUp: return "PickedUp"
        case .sortedAtOrigin, .forwarded: return "Departure"
        case .arrivedAtDestination: return "Arrival"
        case .exceptionHold: return "Exception"
        case .outForDelivery: return "OutForDelivery"
        case .failedAttempt: return ""
        case .delivered: return "Delivered"
        case .returning: return "Returning"
        case .returned: return "Returned"
        }
    }

    static func latestStatus(_ step: TimelineStep) -> (String, String) {
        switch step.kind {
        case .infoReceived: return ("InfoReceived", "InfoReceived")
        case .pickedUp: return ("InTransit", "InTransit_PickedUp")
        case .sortedAtOrigin, .forwarded, .arrivedAtDestination: return ("InTransit", "InTransit_Other")
        case .exceptionHold: return ("Exception", "Exception_Delayed")
        case .outForDelivery: return ("OutForDelivery", "OutForDelivery_Other")
        case .failedAttempt: return ("DeliveryFailure", "DeliveryFailure_NoBody")
        case .delivered: return ("Delivered", "Delivered_Other")
        case .returning: return ("Exception", "Exception_Returning")
        case .returned: return ("Exception", "Exception_Returned")
        }
    }
}

/// ISO 8601 text with a fixed offset.
enum ISOTime {
    static func string(_ seconds: Double, offsetSeconds: Int) -> String {
        let parts = LocalTimeFormatter(offsetSeconds: offsetSeconds).components(seconds)
        if offsetSeconds == 0 { return "\(parts.date)T\(parts.time)Z" }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let hours = abs(offsetSeconds) / 3600
        let minutes = (abs(offsetSeconds) % 3600) / 60
        return "\(parts.date)T\(parts.time)\(sign)\(hours < 10 ? "0" : "")\(hours):\(minutes < 10 ? "0" : "")\(minutes)"
    }
}
