import FlyingFox
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

    func routes(book: ShipmentBook, apiKey: String?) -> [(route: String, handler: @Sendable (HTTPRequest) async throws -> HTTPResponse)] {
        [("GET /v1/track", { request in self.track(request, book: book, apiKey: apiKey) })]
    }

    func track(_ request: HTTPRequest, book: ShipmentBook, apiKey: String?) -> HTTPResponse {
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
            return [
                "date": formatter.dateTime(time),
                "desc": describe(step, awb: awb, timeline: timeline, courier: courier, time: time),
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
        let detail: [String: Any] = ["origin": timeline.origin, "destination": timeline.destination, "shipper": "TOKO LACAK", "receiver": receiver(awb)]
        return SimResponse.json([
            "status": 200, "message": "Successfully tracked package",
            "data": ["summary": summary, "detail": detail, "history": history],
        ])
    }

    private func receiver(_ awb: String) -> String {
        let names = ["BUDI", "SITI", "AGUS", "DEWI", "RINA", "ANDI", "WAYAN", "PUTRI", "FAJAR", "INDAH"]
        return names[stableHash(awb + "#name") % names.count]
    }

    /// The scan text: JNE writes English capitals, most others Indonesian sentences.
    private func describe(_ step: TimelineStep, awb: String, timeline: Timeline, courier: String, time: Double) -> String {
        let place = step.location
        if courier == "jne" || courier == "tiki" {
            switch step.kind {
            case .infoReceived: return "SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [\(place)]"
            case .pickedUp: return "PICKED UP BY COURIER [\(place)]"
            case .sortedAtOrigin: return "PROCESSED AT SORTING CENTER [\(place)]"
            case .forwarded: return "DEPARTED FROM TRANSIT [\(place)]"
            case .arrivedAtDestination: return "RECEIVED AT INBOUND STATION [\(place)]"
            case .exceptionHold: return "SHIPMENT ON HOLD - INCORRECT ADDRESS [\(place)]"
            case .outForDelivery: return "WITH DELIVERY COURIER [\(place)]"
            case .failedAttempt: return "DELIVERY ATTEMPT FAILED - CONSIGNEE NOT AT HOME [\(place)]"
            case .delivered:
                let parts = formatter.components(time)
                return "DELIVERED TO [\(receiver(awb))| \(parts.date) \(parts.time.prefix(5)) | \(place)]"
            case .returning: return "RETURN TO SHIPPER PROCESS [\(place)]"
            case .returned: return "RETURNED TO SHIPPER [\(place)]"
            }
        }
        switch step.kind {
        case .infoReceived: return "Data kiriman telah diterima sistem, menunggu penjemputan [\(place)]"
        case .pickedUp: return "Paket telah dijemput oleh kurir [\(place)]"
        case .sortedAtOrigin: return "Paket telah sampai di gudang sortir [\(place)]"
        case .forwarded: return "Paket akan dikirimkan ke \(timeline.destination) [\(place)]"
        case .arrivedAtDestination: return "Paket telah sampai di \(place)"
        case .exceptionHold: return "Paket tertahan: alamat tidak lengkap [\(place)]"
        case .outForDelivery: return "Paket sedang diantar oleh kurir [\(place)]"
        case .failedAttempt: return "Pengantaran gagal: penerima tidak di tempat [\(place)]"
        case .delivered: return "Paket telah diterima oleh \(receiver(awb)) [\(place)]"
        case .returning: return "Paket dalam proses retur ke pengirim [\(place)]"
        case .returned: return "Paket retur telah diterima pengirim [\(place)]"
        }
    }
}
