import LoopbackHTTP
import Foundation

/// RajaOngkir Pro's waybill API: `POST /api/waybill`, header `key`, form body
/// `waybill=…&courier=…`. Everything is wrapped in `{"rajaongkir": {"status": {code,
/// description}, "result": …}}`; the manifest is oldest first, with `manifest_date` and
/// `manifest_time` (HH:mm) apart and no offset.
struct RajaOngkirDialect: Dialect {
    static let name = "rajaongkir"
    static let couriers = ["jne": "Jalur Nugraha Ekakurir (JNE)", "pos": "POS Indonesia (POS)", "tiki": "Citra Van Titipan Kilat (TIKI)",
                           "wahana": "Wahana Prestasi Logistik", "jnt": "J&T Express", "sicepat": "SiCepat Express", "sap": "SAP Express",
                           "jet": "JET Express", "rpx": "RPX Holding", "first": "First Logistics", "pcp": "Priority Cargo and Package", "dse": "21 Express"]
    let formatter = LocalTimeFormatter(zone: "Asia/Jakarta")

    func routes(book: ShipmentBook, apiKey: String?) -> [LoopbackRoute] {
        [LoopbackRoute("POST", "/api/waybill") { request in self.waybill(request, book: book, apiKey: apiKey) }]
    }

    static func status(_ code: Int, _ description: String) -> LoopbackResponse {
        SimResponse.json(["rajaongkir": ["status": ["code": code, "description": description]]], status: code)
    }

    func quotaExceeded(retryAfter: Int) -> LoopbackResponse {
        SimResponse.json(["rajaongkir": ["status": ["code": 429, "description": "Batas request harian terlampaui (daily limit exceeded)"]]],
                         status: 429, headers: ["Retry-After": String(retryAfter)])
    }

    func waybill(_ request: LoopbackRequest, book: ShipmentBook, apiKey: String?) -> LoopbackResponse {
        if let apiKey, request.header("key") != apiKey {
            return Self.status(400, "Invalid key. API key tidak ditemukan di database RajaOngkir.")
        }
        let form = FormBody(request.body)
        guard let awb = form["waybill"], let courier = form["courier"]?.lowercased(), !awb.isEmpty else {
            return Self.status(400, "Bad request. Waybill dan courier harus diisi.")
        }
        guard let courierName = Self.couriers[courier] else {
            return Self.status(400, "Invalid courier. Kurir tidak tersedia.")
        }
        let (timeline, start, elapsed) = book.observe(awb)
        guard Double(timeline.unknownForMinutes) <= elapsed else {
            return Self.status(400, "Invalid waybill. Resi yang Anda masukkan salah atau belum terdaftar.")
        }
        let result = ManifestRendering(formatter: formatter, withSeconds: false)
            .result(awb: awb, courier: courier, courierName: courierName, timeline: timeline, start: start, elapsed: elapsed)
        return SimResponse.json(["rajaongkir": [
            "query": ["waybill": awb, "courier": courier],
            "status": ["code": 200, "description": "OK"],
            "result": result,
        ]])
    }
}

/// RajaOngkir by Komerce: `POST /api/v1/track/waybill?awb=…&courier=…`, header `key`, answers
/// `{"meta": {message, code, status}, "data": …}`; manifest times carry seconds.
struct KomerceDialect: Dialect {
    static let name = "komerce"
    let formatter = LocalTimeFormatter(zone: "Asia/Jakarta")

    func routes(book: ShipmentBook, apiKey: String?) -> [LoopbackRoute] {
        [LoopbackRoute("POST", "/api/v1/track/waybill") { request in self.waybill(request, book: book, apiKey: apiKey) }]
    }

    static func meta(_ code: Int, _ message: String, _ status: String) -> LoopbackResponse {
        SimResponse.json(["meta": ["message": message, "code": code, "status": status], "data": NSNull()], status: code)
    }

    func quotaExceeded(retryAfter: Int) -> LoopbackResponse {
        SimResponse.json(["meta": ["message": "Daily limit exceeded", "code": 429, "status": "failed"], "data": NSNull()],
                         status: 429, headers: ["Retry-After": String(retryAfter)])
    }

    func waybill(_ request: LoopbackRequest, book: ShipmentBook, apiKey: String?) -> LoopbackResponse {
        if let apiKey, request.header("key") != apiKey {
            return Self.meta(400, "Invalid Api key, key not found", "failed")
        }
        let form = FormBody(request.body)
        guard let awb = request.query["awb"] ?? form["awb"], let courier = (request.query["courier"] ?? form["courier"])?.lowercased(), !awb.isEmpty else {
            return Self.meta(422, "awb and courier are required", "failed")
        }
        guard let courierName = RajaOngkirDialect.couriers[courier] ?? BinderbyteDialect.couriers[courier] else {
            return Self.meta(400, "Courier not supported", "failed")
        }
        let (timeline, start, elapsed) = book.observe(awb)
        guard Double(timeline.unknownForMinutes) <= elapsed else {
            return Self.meta(404, "Invalid Awb", "error")
        }
        let result = ManifestRendering(formatter: formatter, withSeconds: true)
            .result(awb: awb, courier: courier, courierName: courierName, timeline: timeline, start: start, elapsed: elapsed)
        return SimResponse.json(["meta": ["message": "Success Get Waybill", "code": 200, "status": "success"], "data": result])
    }
}

/// The `result` object both RajaOngkir flavours share.
struct ManifestRendering {
    let formatter: LocalTimeFormatter
    let withSeconds: Bool

    func result(awb: String, courier: String, courierName: String, timeline: Timeline, start: Double, elapsed: Double) -> [String: Any] {
        let steps = timeline.visibleSteps(elapsedMinutes: elapsed)
        let delivered = steps.last?.kind == .delivered
        func parts(_ minutes: Int) -> (date: String, time: String) {
            let value = formatter.components(start + Double(minutes) * 60)
            return (value.date, withSeconds ? value.time : String(value.time.prefix(5)))
        }
        let manifest: [[String: Any]] = steps.enumerated().map { index, step in
            let time = parts(step.minutes)
            return [
                "manifest_code": courier == "jne" ? String(index + 1) : "",
                "manifest_description": ScanTexts.describe(step, awb: awb, timeline: timeline, courier: courier, date: time.date, clock: String(time.time.prefix(5))),
                "manifest_date": time.date, "manifest_time": time.time, "city_name": step.location,
            ]
        }
        let first = parts(steps.first?.minutes ?? 0)
        let last = parts(steps.last?.minutes ?? 0)
        let status = delivered ? "DELIVERED" : "ON PROCESS"
        return [
            "delivered": delivered,
            "summary": ["courier_code": courier, "courier_name": courierName, "waybill_number": awb,
                        "service_code": stableHash(awb) % 3 == 0 ? "YES" : "REG", "waybill_date": first.date,
                        "shipper_name": "TOKO LACAK", "receiver_name": ScanTexts.receiver(awb),
                        "origin": timeline.origin, "destination": timeline.destination, "status": status],
            "details": ["waybill_number": awb, "waybill_date": first.date, "waybill_time": first.time, "weight": "1",
                        "origin": timeline.origin, "destination": timeline.destination, "shipper_name": "TOKO LACAK",
                        "receiver_name": ScanTexts.receiver(awb), "receiver_city": timeline.destination],
            "delivery_status": ["status": status, "pod_receiver": delivered ? ScanTexts.receiver(awb) : "",
                                "pod_date": delivered ? last.date : "", "pod_time": delivered ? last.time : ""],
            "manifest": manifest,
        ]
    }
}

/// An `application/x-www-form-urlencoded` body.
struct FormBody {
    private var fields: [String: String] = [:]

    init(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
    }

    subscript(name: String) -> String? { fields[name] }
}
