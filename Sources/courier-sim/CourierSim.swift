import ArgumentParser
import LoopbackHTTP
import Foundation

/// `courier-sim`: a courier tracking API on loopback whose parcels move through realistic,
/// time-compressed timelines, for tests, benchmarks and the demo.
@main
struct CourierSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courier-sim",
        abstract: "Serve a simulated courier tracking API on 127.0.0.1.",
        discussion: """
            Prints "courier-sim listening on http://127.0.0.1:PORT" once ready.
            Control routes: PUT /_sim/shipments/{awb}?scenario=NAME forces a scenario
            (\(Scenario.allCases.map(\.rawValue).joined(separator: ", "))); GET /_sim/stats counts requests;
            GET /_sim/requests lists recent requests with their time and status.
            PUT /_sim/faults?set=MODE@SHARE,... replaces the fault plan (empty: no faults);
            GET /_sim/faults counts the faults injected so far, by mode.
            """
    )

    @Option(help: "TCP port on 127.0.0.1; 0 picks a free one.")
    var port: UInt16 = 0

    @Option(help: "Time compression: simulated seconds per real second (3600 = an hour per second).")
    var speed: Double = 60

    @Option(help: "API dialect to speak: \(CourierSim.dialectNames.joined(separator: ", ")).")
    var dialect: String = BinderbyteDialect.name

    @Option(help: "Require this API key (401 otherwise).")
    var apiKey: String?

    @Option(help: "JSON file mapping tracking numbers to scenarios, e.g. {\"JX1\": \"returned\"}, or to scripted histories, {\"JX2\": {\"texts\": [\"Manifes\", …], \"step_minutes\": 60, \"final\": \"delivered\"}}.")
    var shipments: String?

    @Option(help: ArgumentHelp("A fault on a share of requests; append @SHARE (0-1). Repeatable.", discussion: "Modes: \(FaultPlan.help)."))
    var fault: [String] = []

    @Option(help: "At most N tracking requests per SECONDS window (N/SECONDS); beyond it 429 with Retry-After.")
    var quota: String?

    @Option(help: "tiktokshop: the app key requests must carry.")
    var appKey: String = TikTokShopDialect.Settings().appKey

    @Option(help: "tiktokshop: the app secret requests are signed with.")
    var appSecret: String = TikTokShopDialect.Settings().appSecret

    @Option(help: "tiktokshop: the shop cipher requests must carry.")
    var shopCipher: String = TikTokShopDialect.Settings().shopCipher

    @Option(help: "tiktokshop: the access token valid at start.")
    var accessToken: String = TikTokShopDialect.Settings().accessToken

    @Option(help: "tiktokshop: the refresh token valid at start.")
    var refreshToken: String = TikTokShopDialect.Settings().refreshToken

    @Option(help: "tiktokshop: real seconds an access token lives (the one valid at start included).")
    var tokenTtl: Double = TikTokShopDialect.Settings().tokenTTL

    @Option(help: "tiktokshop: how many orders the shop has.")
    var shopOrders: Int = TikTokShopDialect.Settings().orders

    @Option(help: "tiktokshop: simulated minutes between one order and the next (0: all placed at the start).")
    var shopSpacing: Double = TikTokShopDialect.Settings().spacingMinutes

    static let dialectNames = [BinderbyteDialect.name, RajaOngkirDialect.name, KomerceDialect.name, SeventeenTrackDialect.name,
                               AfterShipDialect.name, EasyPostDialect.name, TikTokShopDialect.name]

    @Option(help: ArgumentHelp("Real seconds the simulation is meant to run (default 3600).", discussion: "Simulated time starts speed × run-for seconds before the real clock, so every scan the simulator reports is dated in the past for that long: lacak ignores events dated in the future."))
    var runFor: Double = 3600

    func validate() throws {
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be positive") }
        guard runFor >= 0, runFor.isFinite, speed * runFor < 1e11 else { throw ValidationError("--run-for must be a number of seconds, with speed × run-for below 3000 years") }
        do {
            _ = try FaultPlan(faults: fault, quota: quota)
        } catch {
            throw ValidationError("\(error)")
        }
        guard tokenTtl > 0, tokenTtl.isFinite, (0...100_000).contains(shopOrders), shopSpacing >= 0, shopSpacing.isFinite else { throw ValidationError("--token-ttl must be positive and --shop-orders 0-100000") }
        guard CourierSim.dialectNames.contains(dialect) else {
            throw ValidationError("unknown dialect '\(dialect)'; available: \(CourierSim.dialectNames.joined(separator: ", "))")
        }
    }

    func run() async throws {
        // Compressed time runs ahead of the real clock; starting it far enough behind keeps every
        // reported scan in the past, as a real courier's are.
        // lacak reads no event dated before 1970; the simulation starts in 1990 at the earliest.
        let book = ShipmentBook(speed: speed, simulatedStart: max(631_152_000, Date().timeIntervalSince1970 - speed * runFor))
        if let shipments {
            let data = try Data(contentsOf: URL(fileURLWithPath: shipments))
            guard let table = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ValidationError("\(shipments) must map tracking numbers to scenario names or scripted histories")
            }
            for (awb, value) in table {
                if let object = value as? [String: Any], let name = object["scenario"] as? String {
                    guard let scenario = Scenario(rawValue: name) else { throw ValidationError("unknown scenario '\(name)' for \(awb)") }
                    book.force(awb, scenario, perLookup: (object["advance"] as? String) == "per_lookup")
                    continue
                }
                if let object = value as? [String: Any] {
                    guard let script = ScriptedHistory(json: object) else { throw ValidationError("\(awb): a scripted history needs a list of \"texts\"") }
                    book.force(awb, script)
                    continue
                }
                guard let name = value as? String, let scenario = Scenario(rawValue: name) else { throw ValidationError("unknown scenario '\(value)' for \(awb)") }
                book.force(awb, scenario)
            }
        }
        let chosen: any Dialect
        switch dialect {
        case RajaOngkirDialect.name: chosen = RajaOngkirDialect()
        case KomerceDialect.name: chosen = KomerceDialect()
        case SeventeenTrackDialect.name: chosen = SeventeenTrackDialect(book: book)
        case AfterShipDialect.name: chosen = AfterShipDialect(book: book)
        case EasyPostDialect.name: chosen = EasyPostDialect(book: book)
        case TikTokShopDialect.name:
            chosen = TikTokShopDialect(book: book, settings: TikTokShopDialect.Settings(
                appKey: appKey, appSecret: appSecret, shopCipher: shopCipher, accessToken: accessToken, refreshToken: refreshToken,
                tokenTTL: tokenTtl, orders: shopOrders, spacingMinutes: shopSpacing))
        default: chosen = BinderbyteDialect()
        }
        let injector = FaultInjector(plan: try FaultPlan(faults: fault, quota: quota), book: book, dialect: chosen)
        let routes = controlRoutes(book: book, injector: injector) + chosen.routes(book: book, apiKey: apiKey).map(injector.wrap)
        let server = try await LoopbackHTTPServer(port: Int(port), routes: routes)
        // Written unbuffered: tests read this line from a pipe to learn the port.
        FileHandle.standardOutput.write(Data("courier-sim listening on http://127.0.0.1:\(server.port) (dialect \(dialect), speed \(speed)x)\n".utf8))
        try await server.waitUntilClosed()
    }

    private func controlRoutes(book: ShipmentBook, injector: FaultInjector) -> [LoopbackRoute] {
        let quota = quota
        return [
            LoopbackRoute("PUT", "/_sim/faults") { request in
                let list = (request.query["set"] ?? "").split(separator: ",").map(String.init)
                do {
                    injector.plan = try FaultPlan(faults: list, quota: quota)
                } catch {
                    return SimResponse.json(["error": "\(error)"], status: 400)
                }
                return SimResponse.json(["faults": list])
            },
            LoopbackRoute("GET", "/_sim/faults") { _ in SimResponse.json(injector.injectedCounts) },
            LoopbackRoute("PUT", "/_sim/shipments/*") { request in
                let awb = String(request.path.split(separator: "/").last ?? "")
                guard let name = request.query["scenario"], let scenario = Scenario(rawValue: name), !awb.isEmpty else {
                    return SimResponse.json(["error": "use PUT /_sim/shipments/{awb}?scenario=NAME"], status: 400)
                }
                book.force(awb, scenario)
                return SimResponse.json(["awb": awb, "scenario": scenario.rawValue])
            },
            LoopbackRoute("GET", "/_sim/stats") { _ in SimResponse.json(book.stats) },
            LoopbackRoute("GET", "/_sim/requests") { _ in SimResponse.json(["requests": book.recentRequests]) },
            LoopbackRoute("GET", "/_sim/health") { _ in SimResponse.json(["ok": true]) },
        ]
    }
}
