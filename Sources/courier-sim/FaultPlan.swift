import Foundation
import LoopbackHTTP
import LacakSupport

/// What can go wrong with a courier API, chosen per request: `--fault MODE[@SHARE]`, and a
/// request quota, `--quota N/SECONDS`. SHARE is the fraction of requests affected (default 1:
/// all); the faults of one plan take disjoint shares, in order.
///
/// Modes (see `FaultPlan.help`): answers that are errors (`error500`, `error502`,
/// `error503[:RETRY]`, `ratelimit:SECONDS`, `ratelimit-date:SECONDS`, `html`, `malformed`,
/// `redirect-loop`), answers that are late or never come (`delay:SECONDS`, `latency:MIN-MAX`,
/// `slow[:SECONDS]`, `hang`), and broken transfers (`reset`, `truncated`, `huge[:MIB]`).
struct FaultPlan: Sendable {
    enum Mode: Sendable, Equatable {
        case status(Int, retryAfter: Int?)
        /// 429 with Retry-After as an HTTP date this many seconds ahead.
        case rateLimitedUntilDate(seconds: Int)
        case delay(Double)
        case latency(min: Double, max: Double)
        case hang
        /// The real answer, cut halfway by a TCP reset.
        case reset
        /// The real answer, cut halfway by an orderly close.
        case truncated
        /// 200 with JSON that stops in the middle of an object.
        case malformed
        /// 200 with a body of this many bytes.
        case huge(bytes: Int)
        /// The real answer, one byte per this many seconds.
        case slow(Double)
        /// 200 with an HTML error page, as a misconfigured proxy sends.
        case html
        /// 302 back to the same URL, forever.
        case redirectLoop
    }

    static let help = "error500, error502, error503[:RETRY], ratelimit:SECONDS, ratelimit-date:SECONDS, delay:SECONDS, latency:MIN-MAX, hang, reset, truncated, malformed, huge[:MIB], slow[:SECONDS_PER_BYTE], html, redirect-loop"

    struct Fault: Sendable {
        var mode: Mode
        var share: Double
    }

    var faults: [Fault] = []
    var quota: (limit: Int, window: Double)?

    /// Parses `--fault` values; the error text names the bad one.
    init(faults texts: [String], quota: String?) throws {
        for text in texts {
            let parts = text.split(separator: "@", maxSplits: 1)
            let share = parts.count == 2 ? Double(parts[1]) : 1
            guard let share, (0...1).contains(share) else { throw FaultPlanError("bad share in '\(text)'") }
            let spec = parts[0].split(separator: ":", maxSplits: 1).map(String.init)
            let argument = spec.count > 1 ? spec[1] : nil
            let mode: Mode
            switch spec[0] {
            case "error500": mode = .status(500, retryAfter: nil)
            case "error502": mode = .status(502, retryAfter: nil)
            case "error503": mode = .status(503, retryAfter: argument.flatMap { Int($0) } ?? 5)
            case "ratelimit", "ratelimit-date":
                guard let argument, let seconds = Int(argument), seconds >= 0 else { throw FaultPlanError("\(spec[0]) needs seconds: \(spec[0]):5") }
                mode = spec[0] == "ratelimit" ? .status(429, retryAfter: seconds) : .rateLimitedUntilDate(seconds: seconds)
            case "delay":
                guard let argument, let seconds = Double(argument), seconds >= 0 else { throw FaultPlanError("delay needs seconds: delay:0.5") }
                mode = .delay(seconds)
            case "latency":
                let bounds = (argument ?? "").split(separator: "-").compactMap { Double($0) }
                guard bounds.count == 2, bounds[0] >= 0, bounds[0] <= bounds[1] else { throw FaultPlanError("latency needs a range in seconds: latency:0.05-0.5") }
                mode = .latency(min: bounds[0], max: bounds[1])
            case "hang": mode = .hang
            case "reset": mode = .reset
            case "truncated": mode = .truncated
            case "malformed": mode = .malformed
            case "huge":
                let mebibytes = argument.map { Int($0) } ?? 16
                guard let mebibytes, mebibytes > 0, mebibytes <= 1024 else { throw FaultPlanError("huge takes a size in MiB: huge:16") }
                mode = .huge(bytes: mebibytes << 20)
            case "slow":
                let seconds = argument.map { Double($0) } ?? 1
                guard let seconds, seconds > 0 else { throw FaultPlanError("slow takes seconds per byte: slow:1") }
                mode = .slow(seconds)
            case "html": mode = .html
            case "redirect-loop": mode = .redirectLoop
            default: throw FaultPlanError("unknown fault '\(spec[0])'; known: \(Self.help)")
            }
            faults.append(Fault(mode: mode, share: share))
        }
        guard faults.reduce(0, { $0 + $1.share }) <= 1.000001 else { throw FaultPlanError("the shares of all faults add up to more than 1") }
        if let quota {
            let parts = quota.split(separator: "/")
            guard parts.count == 2, let limit = Int(parts[0]), let window = Double(parts[1].replacingOccurrences(of: "s", with: "")), limit > 0, window > 0 else {
                throw FaultPlanError("--quota is N/SECONDS, e.g. 5/10")
            }
            self.quota = (limit, window)
        }
    }
}

struct FaultPlanError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Applies a fault plan and a quota in front of a dialect's handler, and logs every request.
final class FaultInjector: Sendable {
    private struct Window {
        var start = 0.0
        var count = 0
    }

    private let currentPlan: LockBox<FaultPlan>
    let book: ShipmentBook
    let dialect: any Dialect
    private let window = LockBox(Window())
    /// Counts of faults injected, by mode name.
    private let injected = LockBox([String: Int]())

    init(plan: FaultPlan, book: ShipmentBook, dialect: any Dialect) {
        self.currentPlan = LockBox(plan)
        self.book = book
        self.dialect = dialect
    }

    /// The plan in force; replaced at run time through `PUT /_sim/faults`.
    var plan: FaultPlan {
        get { currentPlan.withLock { $0 } }
        set { currentPlan.withLock { $0 = newValue } }
    }

    /// How many requests got each fault so far.
    var injectedCounts: [String: Int] { injected.withLock { $0 } }

    private func count(_ mode: FaultPlan.Mode) {
        let name: String
        switch mode {
        case .status(let status, _): name = status == 429 ? "ratelimit" : "error\(status)"
        case .rateLimitedUntilDate: name = "ratelimit-date"
        case .delay: name = "delay"
        case .latency: name = "latency"
        case .hang: name = "hang"
        case .reset: name = "reset"
        case .truncated: name = "truncated"
        case .malformed: name = "malformed"
        case .huge: name = "huge"
        case .slow: name = "slow"
        case .html: name = "html"
        case .redirectLoop: name = "redirect-loop"
        }
        injected.withLock { $0[name, default: 0] += 1 }
    }

    /// The route with faults, quota and the request log in front of its handler.
    func wrap(_ route: LoopbackRoute) -> LoopbackRoute {
        let handler = route.handler
        return LoopbackRoute(route.method, route.path) { request in
            guard let response = await self.respond(request, handler) else { return nil }
            let retryAfter = response.headers.first { $0.name == "Retry-After" }.flatMap { Int($0.value) }
            self.book.record(path: request.path, status: response.status, retryAfter: retryAfter)
            return response
        }
    }

    private func respond(_ request: LoopbackRequest, _ handler: LoopbackHandler) async -> LoopbackResponse? {
        let plan = self.plan
        if let quota = plan.quota {
            let now = Date().timeIntervalSince1970
            let wait: Int? = window.withLock { window in
                if now - window.start >= quota.window {
                    window.start = now
                    window.count = 0
                }
                window.count += 1
                guard window.count > quota.limit else { return nil }
                return max(1, Int((window.start + quota.window - now).rounded(.up)))
            }
            if let wait {
                return dialect.quotaExceeded(retryAfter: wait)
            }
        }
        var roll = Double.random(in: 0..<1)
        for fault in plan.faults {
            if roll >= fault.share {
                roll -= fault.share
                continue
            }
            count(fault.mode)
            switch fault.mode {
            case .status(let status, let retryAfter):
                let headers = retryAfter.map { ["Retry-After": String($0)] } ?? [:]
                return SimResponse.json(["status": status, "message": "Simulated failure"], status: status, headers: headers)
            case .rateLimitedUntilDate(let seconds):
                let date = Date().addingTimeInterval(Double(seconds) + 1)
                return SimResponse.json(["status": 429, "message": "Too many requests"], status: 429, headers: ["Retry-After": Self.httpDate(date)])
            case .delay(let seconds):
                try? await Task.sleep(for: .seconds(seconds))
                return await handler(request)
            case .latency(let low, let high):
                try? await Task.sleep(for: .seconds(Double.random(in: low...high)))
                return await handler(request)
            case .hang:
                return nil
            case .reset, .truncated:
                guard var response = await handler(request) else { return nil }
                response.delivery = .cut(afterBytes: response.body.count / 2, reset: fault.mode == .reset)
                return response
            case .malformed:
                return LoopbackResponse.json(#"{"status": 200, "message": "Successfully tracked package", "data": {"summary": {"awb": "#, status: 200)
            case .huge(let bytes):
                return LoopbackResponse(status: 200, headers: [("Content-Type", "application/json")], body: Self.hugeBody(bytes))
            case .slow(let seconds):
                guard var response = await handler(request) else { return nil }
                response.delivery = .trickle(interval: .seconds(seconds))
                return response
            case .html:
                return LoopbackResponse(status: 200, headers: [("Content-Type", "text/html")],
                                        body: Data("<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>".utf8))
            case .redirectLoop:
                let target = request.path + (request.rawQuery.map { "?" + $0 } ?? "")
                return LoopbackResponse.redirect(302, to: target)
            }
        }
        return await handler(request)
    }
}

extension FaultInjector {
    /// `Retry-After` as an IMF-fixdate (RFC 9110).
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    /// A JSON-looking body of `bytes` bytes (one shared buffer per size).
    static func hugeBody(_ bytes: Int) -> Data {
        hugeBodies.withLock { cache in
            if let body = cache[bytes] { return body }
            var body = Data(#"{"status": 200, "data": {"padding": ""#.utf8)
            body.append(Data(repeating: UInt8(ascii: "x"), count: max(0, bytes - body.count - 3)))
            body.append(Data(#""}}"#.utf8))
            cache[bytes] = body
            return body
        }
    }

    private static let hugeBodies = LockBox([Int: Data]())
}
