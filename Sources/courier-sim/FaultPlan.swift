import Foundation
import LoopbackHTTP
import Synchronization

/// What can go wrong with a courier API, chosen per request: `--fault MODE[@SHARE]`, and a
/// request quota, `--quota N/SECONDS`.
///
/// Modes: `error500`, `error502`, `error503` (with Retry-After), `ratelimit:SECONDS` (429 with
/// Retry-After), `delay:SECONDS` (answer late), `hang` (never answer). SHARE is the fraction of
/// requests affected (default 1: all).
struct FaultPlan: Sendable {
    enum Mode: Sendable, Equatable {
        case status(Int, retryAfter: Int?)
        case delay(Double)
        case hang
    }

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
            let mode: Mode
            switch spec[0] {
            case "error500": mode = .status(500, retryAfter: nil)
            case "error502": mode = .status(502, retryAfter: nil)
            case "error503": mode = .status(503, retryAfter: spec.count > 1 ? Int(spec[1]) : 5)
            case "ratelimit":
                guard spec.count > 1, let seconds = Int(spec[1]) else { throw FaultPlanError("ratelimit needs seconds: ratelimit:5") }
                mode = .status(429, retryAfter: seconds)
            case "delay":
                guard spec.count > 1, let seconds = Double(spec[1]) else { throw FaultPlanError("delay needs seconds: delay:0.5") }
                mode = .delay(seconds)
            case "hang": mode = .hang
            default: throw FaultPlanError("unknown fault '\(spec[0])'")
            }
            faults.append(Fault(mode: mode, share: share))
        }
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

    let plan: FaultPlan
    let book: ShipmentBook
    let dialect: any Dialect
    private let window = Mutex(Window())

    init(plan: FaultPlan, book: ShipmentBook, dialect: any Dialect) {
        self.plan = plan
        self.book = book
        self.dialect = dialect
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
            switch fault.mode {
            case .status(let status, let retryAfter):
                let headers = retryAfter.map { ["Retry-After": String($0)] } ?? [:]
                return SimResponse.json(["status": status, "message": "Simulated failure"], status: status, headers: headers)
            case .delay(let seconds):
                try? await Task.sleep(for: .seconds(seconds))
                return await handler(request)
            case .hang:
                return nil
            }
        }
        return await handler(request)
    }
}
