import LoopbackHTTP
import Foundation

/// One courier API's request and response shapes, served from the simulator's timelines.
///
/// Dialects know only how an API speaks; what happens to a parcel lives in `Timeline`, and
/// faults and quotas live in `FaultPlan`, so one story can be told in every dialect.
protocol Dialect: Sendable {
    /// The name used on the command line (`--dialect`).
    static var name: String { get }
    /// The API's routes (`"GET /v1/track"`) and their handlers.
    func routes(book: ShipmentBook, apiKey: String?) -> [LoopbackRoute]
    /// The API's answer when the request quota (`--quota`) is used up.
    func quotaExceeded(retryAfter: Int) -> LoopbackResponse
}

/// Helpers every dialect uses.
enum SimResponse {
    static func json(_ object: Any, status: Int = 200, headers: [String: String] = [:]) -> LoopbackResponse {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2048)
        SimJSON.write(object, into: &bytes)
        return raw(Data(bytes), status: status, contentType: "application/json", headers: headers)
    }

    static func raw(_ body: Data, status: Int, contentType: String, headers: [String: String] = [:]) -> LoopbackResponse {
        LoopbackResponse(status: status, headers: [("Content-Type", contentType)] + headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, body: body)
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

/// A small JSON serialiser for the simulator's answers: keys in byte order (stable output
/// without Foundation's locale-aware sorting, which cost more than everything else per request).
enum SimJSON {
    static func write(_ value: Any, into output: inout [UInt8]) {
        switch value {
        case let text as String: string(text, into: &output)
        case let flag as Bool: output.append(contentsOf: (flag ? "true" : "false").utf8)
        case let number as Int: output.append(contentsOf: String(number).utf8)
        case let number as Double:
            if number.rounded() == number, abs(number) < 1e15 { output.append(contentsOf: String(Int64(number)).utf8) } else { output.append(contentsOf: String(number).utf8) }
        case let object as [String: Any]:
            output.append(UInt8(ascii: "{"))
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                string(key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(object[key]!, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        case let list as [Any]:
            output.append(UInt8(ascii: "["))
            for (index, element) in list.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        default:
            output.append(contentsOf: "null".utf8)
        }
    }

    static func string(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0..<0x20: output.append(contentsOf: Array(String(format: "\\u%04x", byte).utf8))
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
