import Foundation
import Testing
@testable import LacakSupport

/// courier-sim speaking TikTok Shop (its orders, and Binderbyte tracking of their packages),
/// and a lacak configured with the shop as a `[[source]]` and Binderbyte as its courier.
struct TikTokShopSetup {
    let directory = TestDirectory("tiktokshop")
    let sim: CourierSimProcess
    let configPath: String

    static let appKey = "testappkey"
    static let environment = [
        "LACAK_TEST_API_KEY": "test-key", "TTS_APP_SECRET": "test-app-secret",
        "TTS_ACCESS_TOKEN": "test-access-token", "TTS_REFRESH_TOKEN": "test-refresh-token",
    ]

    init(orders: Int, speed: Double = 72_000, pageSize: Int = 5, tokenTTL: Double? = nil, simExtra: [String] = [], sourceExtra: String = "") throws {
        var arguments = ["--dialect", "tiktokshop", "--shop-orders", String(orders), "--app-key", Self.appKey, "--app-secret", "test-app-secret",
                         "--access-token", "test-access-token", "--refresh-token", "test-refresh-token", "--shop-cipher", "ROW_test-cipher"]
        if let tokenTTL { arguments += ["--token-ttl", String(tokenTTL)] }
        sim = try CourierSimProcess(speed: speed, apiKey: nil, extra: arguments + simExtra)
        let text = TestConfig.daemon(root: directory.path) + """
            [[source]]
            kind = "tiktokshop"
            endpoint = "\(sim.baseURL)"
            auth_endpoint = "\(sim.baseURL)"
            app_key = "\(Self.appKey)"
            shop_cipher = "ROW_test-cipher"
            page_size = \(pageSize)
            settle = "0s"
            rate_limit = 50
            \(sourceExtra)
            [source.credentials]
            app_secret = { env = "TTS_APP_SECRET" }
            access_token = { env = "TTS_ACCESS_TOKEN" }
            refresh_token = { env = "TTS_REFRESH_TOKEN" }

            """ + TestConfig.courier(preset: "binderbyte", endpoint: sim.baseURL, codes: ["jne", "jnt", "sicepat"])
        configPath = try directory.write("lacak.toml", text)
    }

    func check(environment: [String: String] = [:]) async throws -> ProcessResult {
        try await runProcess(Binaries.lacakd, ["--check", "--all", "--config", configPath], environment: Self.environment.merging(environment) { $1 })
    }

    func snapshots() throws -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for name in directory.list("spool/orders") where name.hasSuffix(".json") {
            result[String(name.dropLast(5))] = try JSONParser().parse(try directory.read("spool/orders/" + name))
        }
        return result
    }

    func notifications() throws -> [JSONValue] {
        try directory.list("spool/notifications/new").map { try JSONParser().parse(try directory.read("spool/notifications/new/" + $0)) }
    }

    /// The simulator's recent requests: path and status.
    func requests() throws -> [(path: String, status: Int)] {
        let data = try BlockingHTTP.get(port: sim.port, path: "/_sim/requests")
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return ((object?["requests"] as? [[String: Any]]) ?? []).map { ($0["path"] as? String ?? "", $0["status"] as? Int ?? 0) }
    }

    /// `/_sim/shop`: token refreshes and refused requests.
    func shop() throws -> [String: Int] {
        let data = try BlockingHTTP.get(port: sim.port, path: "/_sim/shop")
        return (try JSONSerialization.jsonObject(with: data) as? [String: Int]) ?? [:]
    }
}
