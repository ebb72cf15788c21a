import LoopbackHTTP
import Foundation

/// Binderbyte's "cek resi" API: `GET /v1/track?api_key=&courier=&awb=`.
///
/// Success: `{"status":200,"message":…,"data":{"summary":{awb,courier,service,status,date,desc,
/// amount,weight},"detail":{origin,destination,shipper,receiver},"history":[{date,desc,location}]}}`
/// with history newest first and local Jakarta times without offset. Errors use the same
/// envelope with `status` and `message` and the matching HTTP status.
struct BinderbyteDialect: Dialect {
    static let name = "binderbyte"

    static let couriers: [String: String] = [
        "jne": "JNE Express", "jnt": "J&T Express", "sicepat": "SiCepat", "anteraja": "AnterAja",
        "ninja": "Ninja Xpress", "pos": "POS Indonesia", "lion": "Lion Parcel", "spx": "Shopee Express",
        "ide": "ID Express", "sap": "SAP Express", "tiki": "TIKI", "wahana": "Wahana", "jet": "JET Express",
        "lex": "Lazada Express", "rex": "REX Express", "first": "First Logistics",
    ]

    let formatter = LocalTimeFormatter(zone: "Asia/Jakarta")

    func quotaExceeded(retryAfter: Int) -> LoopbackResponse {
        SimResponse.json(["status": 429, "message": "Limit request tercapai, silakan coba lagi nanti"], status: 429, headers: ["Retry-After": String(retryAfter)])
    }

    func routes(book: ShipmentBook, apiKey: String?) -> [LoopbackRoute] {
        [LoopbackRoute("GET", "/v1/track") { request in self.track(request, book: book, apiKey: apiKey) }]
    }

    func track(_ request: LoopbackRequest, book: ShipmentBook, apiKey: String?) -> LoopbackResponse {
        if let apiKey, request.query["api_key"] != apiKey {
            return SimResponse.json(["status": 401, "message": "Invalid API key"], status: 401)
        }
        guard let courier = request.query["courier"]?.lowercased(), let awb = request.query["awb"], !courier.isEmpty, !awb.isEmpty else {
            return SimResponse.json(["status": 400, "message": "Parameters courier and awb is required"], status: 400)
        }
        guard let courierName = Self.couriers[courier] else {
            return SimResponse.json(["status": 400, "message": "Courier not supported"], status: 400)
        }
        let (timeline, start, elapsed) = book.observe(awb)
        guard Double(timeline.unknownForMinutes) <= elapsed else {
            return SimResponse.json(["status": 400, "message": "Invalid AWB or courier. Data not found"], status: 400)
        }
        let steps = timeline.visibleSteps(elapsedMinutes: elapsed)
        let history: [[String: Any]] = steps.reversed().map { step in
            let time = start + Double(step.minutes) * 60
            let parts = formatter.components(time)
            return [
                "date": formatter.dateTime(time),
                "desc": ScanTexts.describe(step, awb: awb, timeline: timeline, courier: courier, date: parts.date, clock: String(parts.time.prefix(5))),
                "location": step.location,
            ]
        }
        let latest = steps.last
        let summaryStatus: String
        switch latest?.kind {
        case .delivered: summaryStatus = "DELIVERED"
        case .returned: summaryStatus = "RETURNED"
        case .returning: summaryStatus = "RETURN"
        default: summaryStatus = "ON PROCESS"
        }
        let summary: [String: Any] = [
            "awb": awb, "courier": courierName, "service": stableHash(awb) % 3 == 0 ? "YES" : "REG",
            "status": summaryStatus,
            "date": latest.map { formatter.dateTime(start + Double($0.minutes) * 60) } ?? "",
            "desc": "", "amount": String(9000 + stableHash(awb) % 20 * 1000), "weight": String(1 + stableHash(awb) % 4),
        ]
        let detail: [String: Any] = ["origin": timeline.origin, "destination": timeline.destination, "shipper": "TOKO LACAK", "receiver": ScanTexts.receiver(awb)]
        return SimResponse.json([
            "status": 200, "message": "Successfully tracked package",
            "data": ["summary": summary, "detail": detail, "history": history],
        ])
    }
}
