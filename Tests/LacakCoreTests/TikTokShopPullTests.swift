import Foundation
import Testing
@testable import LacakSupport

/// `[[source]] kind = "tiktokshop"` against courier-sim's TikTok Shop: from the first pull to
/// every order delivered, cancelled or returned; a restart in the middle of paging; an expired
/// token; the rate limit; a wrong secret.
@Suite(.serialized) struct TikTokShopPullTests {
    /// courier-sim's order ids and stories (ShopOrders): of every ten, 1 and 9 are split in two
    /// packages, 3 is cancelled, 6 is returned to the seller.
    static func id(_ index: Int) -> String { "57730" + String(format: "%013d", 1000 + index) }

    @Test func ordersArePulledAndTrackedUntilEveryOneIsDeliveredCancelledOrReturned() async throws {
        // Two simulated hours a second, a round a second: the first pull comes before the
        // couriers collect, a split order's packages arrive 12 s apart, and the rounds leave the
        // machine to the other suites (under a sanitizer each lacakd start costs a second of CPU).
        let setup = try TikTokShopSetup(orders: 10, speed: 7_200, pageSize: 4)
        let final: Set<String> = ["received", "cancelled", "returns_refund"]
        let deadline = Date().addingTimeInterval(180)
        var snapshots: [String: JSONValue] = [:]
        while Date() < deadline {
            let result = try await setup.check()
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            snapshots = try setup.snapshots()
            if snapshots.count == 10, snapshots.values.allSatisfy({ final.contains($0["status"]?["buyer"]?.stringValue ?? "") }) { break }
            try await Task.sleep(for: .seconds(1))
        }
        #expect(snapshots.count == 10)
        let buyer = { (index: Int) in snapshots[Self.id(index)]?["status"]?["buyer"]?.stringValue }
        for index in 0..<10 {
            switch index {
            case 3: #expect(buyer(index) == "cancelled", "order \(index)")
            case 6: #expect(buyer(index) == "returns_refund", "order \(index)")
            default: #expect(buyer(index) == "received", "order \(index)")
            }
        }
        for index in [1, 9] {
            let packages = snapshots[Self.id(index)]?["packages"]?.arrayValue ?? []
            #expect(packages.count == 2, "order \(index) is split in two packages")
            #expect(packages.allSatisfy { $0["package_id"]?.stringValue?.hasPrefix("11773") == true && $0["status"]?["carrier"] == .string("delivered") })
        }
        #expect(snapshots[Self.id(0)]?["meta"]?["source"] == .string("tiktokshop_api"))
        #expect(snapshots[Self.id(0)]?["meta"]?["buyer"] == .string("Pembeli 0"))

        let notes = try setup.notifications().filter { $0["audience"] == .string("buyer") }
        func kinds(_ index: Int) -> [String] { notes.filter { $0["order_id"] == .string(Self.id(index)) }.compactMap { $0["kind"]?.stringValue } }
        for index in 0..<10 {
            #expect(kinds(index).filter { $0 == "order_created" }.count == 1, "order \(index): \(kinds(index))")
        }
        // How an order was first seen depends on how soon the first pull came (a slow machine,
        // a sanitizer): one first seen delivered is not announced as delivered.
        func firstSeen(_ index: Int) -> String? {
            notes.first { $0["order_id"] == .string(Self.id(index)) && $0["kind"] == .string("order_created") }?["new_status"]?["buyer"]?.stringValue
        }
        for index in [1, 9] where firstSeen(index) != "received" {
            // A split order: one package delivered, then the order; each notification once.
            #expect(kinds(index).filter { $0 == "order_delivered" }.count == 1, "order \(index): \(kinds(index))")
            #expect(kinds(index).last == "order_delivered", "order \(index): \(kinds(index))")
            #expect(kinds(index).filter { $0 == "package_delivered" }.count <= 1, "order \(index): \(kinds(index))")
        }
        #expect([1, 9].contains { kinds($0).contains("package_delivered") }, "a split order announced its first package")
        #expect(!kinds(3).contains("order_shipped") && !kinds(3).contains("order_delivered"), "\(kinds(3))")
        for index in [0, 2, 5, 8] where firstSeen(index) != "received" {
            #expect(kinds(index).last == "order_delivered", "order \(index): \(kinds(index))")
        }
    }

    @Test func aRestartInTheMiddleOfPagingLosesAndRepeatsNothing() async throws {
        // Slow time and every order placed at once: nothing changes while the test pages.
        let setup = try TikTokShopSetup(orders: 12, speed: 60, pageSize: 5, simExtra: ["--shop-spacing", "0"])
        // Update times are whole seconds: a pull reads only seconds that are over.
        try await Task.sleep(for: .milliseconds(1100))
        let crashed = try await setup.check(environment: ["LACAK_CRASH_AT": "source.after-page"])
        #expect(crashed.status == 70, "\(crashed.stdout)\(crashed.stderr)")
        #expect(try setup.directory.list("spool/orders").isEmpty, "the crash came before publishing")
        let resumed = try await setup.check()
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stdout.contains("source tiktokshop: 7 order(s) in 2 page(s) (7 new, 0 updated)"), "\(resumed.stdout)")
        #expect(try setup.snapshots().count == 12)
        let searches = try setup.requests().filter { $0.path == "/order/202309/orders/search" }
        #expect(searches.count == 3, "one page before the crash, the two after it: \(searches)")
        let created = try setup.notifications().filter { $0["kind"] == .string("order_created") }
        #expect(created.count == 24, "Order Created once per order and audience")
        // Nothing changed since: the next pull reads them again (its window starts a minute
        // before the last one ended, for updates TikTok's search shows late) and changes nothing.
        let again = try await setup.check()
        #expect(again.stdout.contains("(0 new, 0 updated)"), "\(again.stdout)")
        #expect(try setup.notifications().filter { $0["kind"] == .string("order_created") }.count == 24)
    }

    @Test func anExpiredTokenIsRefreshedAndKeptWhereOnlyLacakReadsIt() async throws {
        let setup = try TikTokShopSetup(orders: 4, speed: 60, tokenTTL: 2, simExtra: ["--shop-spacing", "0"])
        try await Task.sleep(for: .milliseconds(2500))
        let first = try await setup.check()
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("access token refreshed"), "\(first.stdout)")
        #expect(try setup.snapshots().count == 4)
        #expect(try setup.shop()["refreshes"] == 1)
        #expect(try setup.shop()["refused"] == 1, "the expired token was refused once, then refreshed")
        let path = setup.directory.join("state/source-tiktokshop.tokens.json")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        let stored = try JSONParser().parse(try setup.directory.read("state/source-tiktokshop.tokens.json"))
        let token = try #require(stored["access_token"]?.stringValue)
        #expect(token.hasPrefix("sim-access-"))
        #expect(!(first.stdout + first.stderr).contains(token), "a token is never logged")

        // The new token also lives 2 s: the next pull refreshes it before asking, unrefused.
        let second = try await setup.check()
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(try setup.shop()["refreshes"] == 2)
        #expect(try setup.shop()["refused"] == 1)
        #expect(try JSONParser().parse(try setup.directory.read("state/source-tiktokshop.tokens.json"))["access_token"]?.stringValue != token)
    }

    @Test func theRateLimitIsWaitedOutAndNothingIsLost() async throws {
        let setup = try TikTokShopSetup(orders: 12, speed: 60, pageSize: 3, simExtra: ["--shop-spacing", "0", "--quota", "2/1"])
        try await Task.sleep(for: .milliseconds(1100))
        let result = try await setup.check()
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try setup.snapshots().count == 12)
        let statuses = try setup.requests().map(\.status)
        #expect(statuses.contains(429), "the quota was reached")
    }

    @Test func aWrongSecretStopsThePullWithAClearErrorAndNoSecretInIt() async throws {
        let setup = try TikTokShopSetup(orders: 3, speed: 60)
        let result = try await setup.check(environment: ["TTS_APP_SECRET": "not-the-secret"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("code 106001"), "\(result.stdout)")
        #expect(result.stdout.contains("check app_key, app_secret, shop_cipher"), "\(result.stdout)")
        #expect(!(result.stdout + result.stderr).contains("not-the-secret"))
        #expect(try setup.snapshots().isEmpty)
    }

    @Test func theDaemonPullsOnItsOwnIntervalBesideTheCourierRounds() async throws {
        let setup = try TikTokShopSetup(orders: 10, speed: 36_000, sourceExtra: "interval = \"1s\"")
        let daemon = try BackgroundProcess(Binaries.lacakd, ["run", "--config", setup.configPath], environment: TikTokShopSetup.environment)
        // Orders keep changing in the shop: later pulls find them updated (the first pull made them).
        let deadline = Date().addingTimeInterval(60)
        var log = ""
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(300))
            log = daemon.stderrCollector.snapshot()
            if try setup.snapshots().count == 10, log.contains(" updated)"), log.range(of: #"source tiktokshop: \d+ order\(s\) in \d+ page\(s\) \(0 new, [1-9]"#, options: .regularExpression) != nil { break }
        }
        await daemon.stopExpectingSuccess()
        #expect(try setup.snapshots().count == 10)
        #expect(log.range(of: #"source tiktokshop: \d+ order\(s\) in \d+ page\(s\) \(0 new, [1-9]"#, options: .regularExpression) != nil, "a later pull updated orders: \(log.suffix(2000))")
        #expect(log.contains("binderbyte: polled"), "the courier rounds ran beside the pulls")
    }

    @Test func theSetupCommandsGiveTheTokensAndTheCipherASourceNeeds() async throws {
        let setup = try TikTokShopSetup(orders: 3, speed: 60, simExtra: ["--shop-spacing", "0"])
        let secret = try setup.directory.write("app_secret", "test-app-secret\n")
        let tokens = setup.directory.join("tokens")
        let authorize = try await runProcess(Binaries.lacakd, ["tiktokshop", "authorize", "--app-key", TikTokShopSetup.appKey, "--app-secret-file", secret,
                                                               "--auth-code", "sim-auth-code", "--tokens-dir", tokens, "--auth-endpoint", setup.sim.baseURL])
        #expect(authorize.status == 0, "\(authorize.stdout)\(authorize.stderr)")
        for name in ["access_token", "refresh_token"] {
            #expect(try FileManager.default.attributesOfItem(atPath: tokens + "/" + name)[.posixPermissions] as? Int == 0o600)
            let token = try String(contentsOfFile: tokens + "/" + name, encoding: .utf8).trimmingWhitespace()
            #expect(token.hasPrefix("sim-"), "\(token)")
            #expect(!authorize.stdout.contains(token), "no token is printed")
        }
        let shops = try await runProcess(Binaries.lacakd, ["tiktokshop", "shops", "--app-key", TikTokShopSetup.appKey, "--app-secret-file", secret,
                                                           "--access-token-file", tokens + "/access_token", "--endpoint", setup.sim.baseURL])
        #expect(shops.status == 0, "\(shops.stdout)\(shops.stderr)")
        #expect(shops.stdout.contains(#"shop_cipher = "ROW_test-cipher""#), "\(shops.stdout)")

        // The source reads the files the command wrote.
        var config = try setup.directory.read("lacak.toml")
        config = config.replacingOccurrences(of: #"access_token = { env = "TTS_ACCESS_TOKEN" }"#, with: #"access_token = { file = "\#(tokens)/access_token" }"#)
        config = config.replacingOccurrences(of: #"refresh_token = { env = "TTS_REFRESH_TOKEN" }"#, with: #"refresh_token = { file = "\#(tokens)/refresh_token" }"#)
        try setup.directory.write("lacak.toml", config)
        try await Task.sleep(for: .milliseconds(1100))
        let check = try await setup.check(environment: ["TTS_ACCESS_TOKEN": "", "TTS_REFRESH_TOKEN": ""])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(try setup.snapshots().count == 3)

        let refused = try await runProcess(Binaries.lacakd, ["tiktokshop", "authorize", "--app-key", TikTokShopSetup.appKey, "--app-secret-file", secret,
                                                             "--auth-code", "expired-code", "--tokens-dir", setup.directory.join("other"), "--auth-endpoint", setup.sim.baseURL])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("105004"), "\(refused.stderr)")
    }
}
