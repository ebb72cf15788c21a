import FlyingFox
import Foundation

/// One courier API's request and response shapes, served from the simulator's timelines.
///
/// Dialects know only how an API speaks; what happens to a parcel lives in `Timeline`, and
/// faults and quotas live in `FaultPlan`, so one story can be told in every dialect.
protocol Dialect: Sendable {
    /// The name used on the command line (`--dialect`).
    static var name: String { get }
    /// The API's routes (`"GET /v1/track"`) and their handlers.
    func routes(book: ShipmentBook, apiKey: String?) -> [(route: String, handler: @Sendable (HTTPRequest) async throws -> HTTPResponse)]
    /// The API's answer when the request quota (`--quota`) is used up.
    func quotaExceeded(retryAfter: Int) -> HTTPResponse
}

/// Helpers every dialect uses.
enum SimResponse {
    static func json(_ object: Any, status: Int = 200, headers: [String: String] = [:]) -> HTTPResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return raw(data, status: status, contentType: "application/json", headers: headers)
    }

    static func raw(_ body: Data, status: Int, contentType: String, headers: [String: String] = [:]) -> HTTPResponse {
        var httpHeaders = HTTPHeaders()
        httpHeaders[.contentType] = contentType
        for (name, value) in headers { httpHeaders[HTTPHeader(name)] = value }
        return HTTPResponse(statusCode: HTTPStatusCode(status, phrase: phrase(status)), headers: httpHeaders, body: body)
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}

/// Local wall-clock text in a fixed zone, as Indonesian couriers print it (no offset).
struct LocalTimeFormatter: Sendable {
    let offsetSeconds: Int

    init(zone: String) {
        offsetSeconds = TimeZone(identifier: zone)?.secondsFromGMT() ?? 7 * 3600
    }

    init(offsetSeconds: Int) {
        self.offsetSeconds = offsetSeconds
    }

    /// `yyyy-MM-dd HH:mm:ss`
    func dateTime(_ seconds: Double) -> String {
        let parts = components(seconds)
        return "\(parts.date) \(parts.time)"
    }

    func components(_ seconds: Double) -> (date: String, time: String) {
        var time = time_t(seconds.rounded(.down)) + time_t(offsetSeconds)
        var broken = tm()
        gmtime_r(&time, &broken)
        func pad(_ value: Int32, _ width: Int = 2) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return ("\(pad(broken.tm_year + 1900, 4))-\(pad(broken.tm_mon + 1))-\(pad(broken.tm_mday))",
                "\(pad(broken.tm_hour)):\(pad(broken.tm_min)):\(pad(broken.tm_sec))")
    }
}
