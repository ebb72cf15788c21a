import Foundation
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakConfig
@testable import LacakIntake
@testable import LacakTikTokShop

/// TikTok Shop's request signing, checked against Python's `hmac` and against courier-sim's
/// own verification.
@Suite struct TikTokShopSigningTests {
    /// Python computes the signature from the guide's recipe, on its own.
    static let pythonSigner = """
        from hashlib import sha256; from hmac import new; from json import loads; from sys import argv
        case = loads(argv[1])
        secret = case["secret"]
        query = {k: v for k, v in case["query"] if k not in ("sign", "access_token")}
        text = secret + case["path"] + "".join(k + query[k] for k in sorted(query)) + (case["body"] or "") + secret
        print(new(secret.encode(), text.encode(), sha256).hexdigest())
        """

    @Test(arguments: [
        ("test-app-secret", "/order/202309/orders/search", [("page_size", "50"), ("app_key", "abc123"), ("timestamp", "1796200000"), ("shop_cipher", "ROW_x"),
                                                             ("access_token", "ignored"), ("sign", "ignored")], #"{"update_time_ge":1796100000,"update_time_lt":1796200000}"#),
        ("s3cr3t", "/order/202309/orders", [("ids", "577300000000001000,577300000000001001"), ("app_key", "k"), ("timestamp", "1")], nil),
        ("kunci rahasia ü", "/fulfillment/202309/orders/5773/tracking", [("z", "last"), ("a", "first"), ("A", "upper")], #"{"catatan":"kirim cepat ✓"}"#),
    ] as [(String, String, [(String, String)], String?)])
    func signaturesMatchPythonsHMAC(secret: String, path: String, query: [(String, String)], body: String?) async throws {
        let signer = TikTokShopSigner(appSecret: Secret(secret))
        let ours = signer.sign(path: path, query: query.map { (name: $0.0, value: $0.1) }, body: body.map { Array($0.utf8) })
        let input = JSONValue.object(JSONObject([
            ("secret", .string(secret)), ("path", .string(path)),
            ("query", .array(query.map { .array([.string($0.0), .string($0.1)]) })), ("body", body.map(JSONValue.string) ?? .null),
        ]))
        let result = try await runProcess("/usr/bin/env", ["python3", "-c", Self.pythonSigner, String(decoding: JSONWriter(pretty: false).bytes(input), as: UTF8.self)])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(ours == result.stdout.trimmingWhitespace())
        #expect(ours.count == 64)
    }

    @Test func aMultipartBodyIsNotSigned() {
        let signer = TikTokShopSigner(appSecret: Secret("s"))
        #expect(signer.sign(path: "/p", query: [], body: Array("form".utf8), multipart: true) == signer.sign(path: "/p", query: [], body: nil))
        #expect(signer.sign(path: "/p", query: [], body: Array("form".utf8)) != signer.sign(path: "/p", query: [], body: nil))
    }

    @Test func theSimulatorAcceptsPythonsSignatureAndLacaksAndRefusesAWrongOne() async throws {
        let setup = try TikTokShopSetup(orders: 3, speed: 60, simExtra: ["--shop-spacing", "0"])
        // Python signs and sends a search, once with the right secret and once with another.
        let script = """
            from hashlib import sha256; from hmac import new; from json import dumps, loads; from sys import argv; from time import time
            from urllib import error, parse, request as http
            base, key, secret = argv[1], argv[2], argv[3]
            path, body = "/order/202309/orders/search", dumps({"update_time_ge": 0})
            q = {"app_key": key, "timestamp": str(int(time())), "shop_cipher": "ROW_test-cipher", "page_size": "10"}
            text = secret + path + "".join(k + q[k] for k in sorted(q)) + body + secret
            q["sign"] = new(secret.encode(), text.encode(), sha256).hexdigest()
            request = http.Request(base + path + "?" + parse.urlencode(q), data=body.encode(), method="POST",
                                   headers={"x-tts-access-token": "test-access-token", "content-type": "application/json"})
            try:
                answer = loads(http.urlopen(request).read())
            except error.HTTPError as refused:
                answer = loads(refused.read())
            print(answer["code"], len(answer.get("data", {}).get("orders", [])))
            """
        let good = try await runProcess("/usr/bin/env", ["python3", "-c", script, setup.sim.baseURL, TikTokShopSetup.appKey, "test-app-secret"])
        #expect(good.stdout.trimmingWhitespace() == "0 3", "\(good.stdout)\(good.stderr)")
        let bad = try await runProcess("/usr/bin/env", ["python3", "-c", script, setup.sim.baseURL, TikTokShopSetup.appKey, "another-secret"])
        #expect(bad.stdout.trimmingWhitespace() == "106001 0", "\(bad.stdout)\(bad.stderr)")

        // lacak's own requests, through libcurl.
        let config = try ConfigLoader(environment: TikTokShopSetup.environment).load(text: try setup.directory.read("lacak.toml"), path: setup.configPath)
        let client = HTTPClient()
        defer { client.shutdown() }
        for (secret, accepted) in [("test-app-secret", true), ("wrong-secret", false)] {
            var settings = config.sources[0]
            settings.secrets["app_secret"] = Secret(secret)
            let api = TikTokShopAPI(settings: settings)
            let request = api.search(from: 0, until: 4_000_000_000, pageToken: nil, accessToken: Secret("test-access-token"), now: .now)
            let answer: Result<HTTPResponse, TransportError>
            do { answer = .success(try await client.send(request)) } catch { answer = .failure(error) }
            switch TikTokShopAPI.data(of: answer, redactor: api.redactor) {
            case .success(let data):
                #expect(accepted)
                #expect(data["orders"]?.arrayValue?.count == 3)
            case .failure(let failure):
                #expect(!accepted, "\(failure)")
                #expect(failure.kind == .credentials)
                #expect(failure.message.contains("106001"))
            }
        }
        #expect(try setup.shop()["refused"] == 2)
    }
}

/// The mapping of Open API orders and the cursor's text.
@Suite struct TikTokShopOrderMappingTests {
    @Test func anOrderWithTwoPackagesBecomesARecordWithBoth() throws {
        let order = try JSONParser().parse(#"""
            {"id": "577300000000001001", "status": "PARTIALLY_SHIPPING", "create_time": 1796200000, "update_time": 1796203600,
             "recipient_address": {"name": "Budi"}, "commerce_platform": "TOKOPEDIA",
             "line_items": [
               {"id": "1", "product_name": "Kaos", "package_id": "P1", "tracking_number": "JX2600000010", "shipping_provider_name": "JNE"},
               {"id": "2", "product_name": "Topi", "package_id": "P1", "tracking_number": "JX2600000010", "shipping_provider_name": "JNE"},
               {"id": "3", "product_name": "Celana", "package_id": "P2", "tracking_number": "jp 2600000011", "shipping_provider_name": "J&T Express"},
               {"id": "4", "product_name": "Sepatu", "package_id": "P3"}
             ]}
            """#)
        let record = try APIOrderMapping(zone: ZoneRules(identifier: "Asia/Jakarta")!).record(order).get()
        #expect(record.orderID == "577300000000001001")
        #expect(record.shopStatus == .partiallyShipped)
        #expect(record.packages == [
            .init(trackingNumber: "JX2600000010", courier: "jne", packageID: "P1"),
            .init(trackingNumber: "JP2600000011", courier: "jnt", packageID: "P2"),
        ])
        let meta = try JSONParser().parse(try #require(record.meta))
        #expect(meta["buyer"] == .string("Budi"))
        #expect(meta["commerce_platform"] == .string("TOKOPEDIA"))
        #expect(meta["created_time"] == .string("2026-12-02T15:26:40+07:00"))
        #expect(meta["items"]?.arrayValue?.count == 4)
    }

    /// TikTok says more packages are to come: the ones lacak knows being delivered is not the
    /// order delivered (a pull that has not yet seen the second package's tracking number).
    @Test func aPartiallyShippedOrderIsNotReceivedWhenItsKnownPackagesAre() {
        #expect(ShopStatus(intake: "PARTIALLY_SHIPPING") == .partiallyShipped)
        #expect(OrderView.derive(shop: .partiallyShipped, carriers: [.delivered]) == OrderView(buyer: .inTransit, seller: .inShipping))
        #expect(OrderView.derive(shop: .partiallyShipped, carriers: []) == OrderView(buyer: .inTransit, seller: .inShipping))
        #expect(OrderView.derive(shop: .inTransit, carriers: [.delivered]) == OrderView(buyer: .received, seller: .completed))
        #expect(OrderView.derive(shop: .partiallyShipped, carriers: [.delivered, .returned]) == OrderView(buyer: .returnsRefund, seller: .return))
    }

    @Test func badOrdersAreRefusedWithAReason() {
        let mapping = APIOrderMapping(zone: .utc)
        for (text, reason) in [(#"{"status": "IN_TRANSIT"}"#, "without an id"), (#"{"id": "../x"}"#, "cannot start with '.'"),
                               (#"{"id": "1", "status": "TELEPORTED"}"#, "unknown status"),
                               (#"{"id": "1", "line_items": [{"tracking_number": "JX?1"}]}"#, "is not one")] {
            guard case .failure(let error) = mapping.record(try! JSONParser().parse(text)) else {
                Issue.record("\(text) was accepted")
                continue
            }
            #expect(error.message.contains(reason), "\(error.message)")
        }
    }

    @Test func theCursorRoundTripsThroughItsText() {
        for cursor in [PullCursor(from: 1_796_000_000), PullCursor(from: 1, until: 2, pageToken: "MTc5|NTc3+/=")] {
            #expect(PullCursor(text: cursor.text) == cursor)
        }
        #expect(PullCursor(text: "nonsense") == nil)
    }
}
