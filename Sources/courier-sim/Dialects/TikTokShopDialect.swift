import Foundation
import LoopbackHTTP
import LacakSupport

/// TikTok Shop's Open API (version 202309) for one shop: order search and detail, an order's
/// tracking, and token refresh; every shop request's signature, timestamp, app key, shop cipher
/// and access token are checked, as TikTok does. Beside them, Binderbyte's `/v1/track` on the
/// same packages, for sellers who track through an aggregator.
///
/// The signature is checked by code of the simulator's own (not lacak's signer): a wrongly
/// signed request gets TikTok's error answer. Error codes: 106001 bad signature, 106002
/// timestamp out of range, 105001 unknown access token, 105002 expired access token, 36009003
/// rate limited, 40006 bad parameter (all HTTP 401, 429 or 400; `code` 0 is success).
struct TikTokShopDialect: Dialect {
    static let name = "tiktokshop"

    /// The app and shop the simulator serves, and its tokens.
    struct Settings: Sendable {
        var appKey = "sim-app-key"
        var appSecret = "sim-app-secret"
        var shopCipher = "ROW_sim-cipher"
        var accessToken = "sim-access-token"
        var refreshToken = "sim-refresh-token"
        /// Real seconds an access token lives.
        var tokenTTL: Double = 7 * 86_400
        var orders = 20
        var spacingMinutes: Double = 2
        /// The code a seller's authorization hands the app.
        var authCode = "sim-auth-code"
    }

    let settings: Settings
    let book: ShipmentBook
    let shop: ShopOrders
    private let tokens: LockBox<Tokens>

    struct Tokens {
        var access: [String: Double] = [:]
        var refresh: Set<String> = []
        var issued = 0
        var refreshes = 0
        var refused = 0
    }

    init(book: ShipmentBook, settings: Settings) {
        self.book = book
        self.settings = settings
        shop = ShopOrders(count: settings.orders, start: book.simulatedStart, spacingMinutes: settings.spacingMinutes)
        var tokens = Tokens()
        tokens.access[settings.accessToken] = Date().timeIntervalSince1970 + settings.tokenTTL
        tokens.refresh.insert(settings.refreshToken)
        self.tokens = LockBox(tokens)
        for order in shop.orders {
            for package in order.packages {
                book.force(package.trackingNumber, package.scenario)
                book.begin(package.trackingNumber, atSimulated: order.created + Double(package.collectedAt) * 60)
            }
        }
    }

    func quotaExceeded(retryAfter: Int) -> LoopbackResponse {
        Self.error(429, code: 36009003, "Too many requests. Please retry later.", headers: ["Retry-After": String(retryAfter)])
    }

    static func error(_ status: Int, code: Int, _ message: String, headers: [String: String] = [:]) -> LoopbackResponse {
        SimResponse.json(["code": code, "message": message, "request_id": UUID().uuidString], status: status, headers: headers)
    }

    static func success(_ data: [String: Any]) -> LoopbackResponse {
        SimResponse.json(["code": 0, "message": "Success", "request_id": UUID().uuidString, "data": data])
    }

    func routes(book: ShipmentBook, apiKey: String?) -> [LoopbackRoute] {
        [
            LoopbackRoute("POST", "/order/202309/orders/search") { request in self.checked(request) { self.search(request) } },
            LoopbackRoute("GET", "/order/202309/orders") { request in self.checked(request) { self.detail(request) } },
            LoopbackRoute("GET", "/fulfillment/202309/orders/*") { request in self.checked(request) { self.tracking(request) } },
            LoopbackRoute("GET", "/api/v2/token/refresh") { request in self.refresh(request) },
            LoopbackRoute("GET", "/api/v2/token/get") { request in self.refresh(request) },
            LoopbackRoute("GET", "/authorization/202309/shops") { request in
                self.checked(request, shopScoped: false) {
                    Self.success(["shops": [["id": "7494000000000000001", "name": "Toko Simulasi", "region": "ID", "seller_type": "LOCAL",
                                             "cipher": self.settings.shopCipher, "code": "IDLCSIM01"]]])
                }
            },
            LoopbackRoute("GET", "/_sim/shop") { _ in
                let counts = self.tokens.withLock { ["refreshes": $0.refreshes, "refused": $0.refused, "tokens_issued": $0.issued] }
                return SimResponse.json(counts.merging(["orders": self.shop.orders.count]) { $1 })
            },
        ] + BinderbyteDialect().routes(book: book, apiKey: nil)
    }

    // MARK: Authentication

    /// The signed content, as TikTok's guide describes it: the secret, the path, each query
    /// parameter but `sign` and `access_token` by name as name and value, the body, the secret.
    static func expectedSign(secret: String, path: String, query: [String: String], body: Data) -> String {
        var text = Data(secret.utf8)
        text.append(Data(path.utf8))
        for name in query.keys.filter({ $0 != "sign" && $0 != "access_token" }).sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            text.append(Data(name.utf8))
            text.append(Data(query[name]!.utf8))
        }
        text.append(body)
        text.append(Data(secret.utf8))
        return Digest.hex(Digest.hmacSHA256(key: Array(secret.utf8), message: Array(text)))
    }

    private func refuse(_ status: Int, code: Int, _ message: String) -> LoopbackResponse {
        tokens.withLock { $0.refused += 1 }
        return Self.error(status, code: code, message)
    }

    private func checked(_ request: LoopbackRequest, shopScoped: Bool = true, _ answer: () -> LoopbackResponse) -> LoopbackResponse {
        guard request.query["app_key"] == settings.appKey else { return refuse(401, code: 106003, "Invalid app_key") }
        guard let stamp = request.query["timestamp"].flatMap(Double.init) else { return refuse(401, code: 106002, "Missing timestamp") }
        let now = Date().timeIntervalSince1970
        guard stamp >= now - 300, stamp <= now + 30 else { return refuse(401, code: 106002, "Timestamp is out of the accepted range") }
        let expected = Self.expectedSign(secret: settings.appSecret, path: request.path, query: request.query, body: request.body)
        guard let sign = request.query["sign"], Digest.constantTimeEqual(Array(sign.utf8), Array(expected.utf8)) else {
            return refuse(401, code: 106001, "Invalid signature")
        }
        guard !shopScoped || request.query["shop_cipher"] == settings.shopCipher else { return refuse(401, code: 106004, "Invalid shop_cipher") }
        guard let token = request.header("x-tts-access-token"), let expiry = tokens.withLock({ $0.access[token] }) else {
            return refuse(401, code: 105001, "Invalid access token")
        }
        guard expiry > now else { return refuse(401, code: 105002, "Access token has expired") }
        return answer()
    }

    private func refresh(_ request: LoopbackRequest) -> LoopbackResponse {
        guard request.query["app_key"] == settings.appKey, request.query["app_secret"] == settings.appSecret else {
            return refuse(401, code: 106003, "Invalid app_key or app_secret")
        }
        // Get Access Token trades the seller's auth code; Refresh Access Token a refresh token.
        let old: String
        if request.path.hasSuffix("/token/get") {
            guard request.query["grant_type"] == "authorized_code", request.query["auth_code"] == settings.authCode else {
                return refuse(401, code: 105004, "Invalid auth_code")
            }
            old = settings.refreshToken
        } else {
            guard request.query["grant_type"] == "refresh_token", let given = request.query["refresh_token"] else {
                return refuse(400, code: 40006, "grant_type must be refresh_token")
            }
            old = given
        }
        let now = Date().timeIntervalSince1970
        let issued: (String, String)? = tokens.withLock { tokens in
            guard tokens.refresh.contains(old) else { return nil }
            tokens.issued += 1
            tokens.refreshes += 1
            let access = "sim-access-\(tokens.issued)-\(UUID().uuidString.prefix(8))"
            let refresh = "sim-refresh-\(tokens.issued)-\(UUID().uuidString.prefix(8))"
            tokens.access[access] = now + settings.tokenTTL
            // The old refresh token keeps working until it expires, as TikTok's does.
            tokens.refresh.insert(refresh)
            return (access, refresh)
        }
        guard let (access, refresh) = issued else { return refuse(401, code: 105003, "Invalid refresh token") }
        return Self.success([
            "access_token": access, "access_token_expire_in": Int(now + settings.tokenTTL),
            "refresh_token": refresh, "refresh_token_expire_in": Int(now + 365 * 86_400),
            "open_id": "sim-open-id", "seller_name": "Toko Simulasi", "seller_base_region": "ID", "user_type": 0,
        ])
    }

    // MARK: Orders

    /// Real seconds since 1970 of simulated moment `simulated`: when a change became visible.
    private func real(_ simulated: Double) -> Double {
        book.realStart + (simulated - book.simulatedStart) / book.speed
    }

    /// The order as the API shows it now; nil before the buyer placed it.
    private func render(_ order: ShopOrders.Order) -> (json: [String: Any], updated: Int)? {
        let elapsed = (book.simulatedNow - order.created) / 60
        guard elapsed >= 0 else { return nil }
        let timelines = Dictionary(uniqueKeysWithValues: order.packages.map { ($0.trackingNumber, book.timeline($0.trackingNumber)) })
        let history = ShopOrders.history(order, timelines: timelines, elapsedMinutes: elapsed)
        let status = history.last?.status ?? "AWAITING_SHIPMENT"
        let updated = Int(real(order.created + (history.last?.minute ?? 0) * 60))
        let shipped = order.packages.filter { Double($0.collectedAt) <= elapsed }
        var lines: [[String: Any]] = []
        for (index, item) in order.items.enumerated() {
            var line: [String: Any] = ["id": "\(order.id)\(index)", "product_name": item.name, "sku_name": "Default", "seller_sku": item.sku,
                                       "sku_id": "1729\(order.id.suffix(6))\(index)", "display_status": status]
            if index < order.packages.count {
                let package = order.packages[index]
                line["package_id"] = package.id
                if shipped.contains(where: { $0.id == package.id }) {
                    line["tracking_number"] = package.trackingNumber
                    line["shipping_provider_name"] = package.provider
                    line["shipping_provider_id"] = package.providerID
                    line["package_status"] = "PROCESSING"
                } else {
                    line["package_status"] = "TO_FULFILL"
                }
            }
            lines.append(line)
        }
        var json: [String: Any] = [
            "id": order.id, "status": status, "create_time": Int(real(order.created)), "update_time": updated,
            "shipping_type": "SELLER", "commerce_platform": "TIKTOK_SHOP", "user_id": "7494\(order.id.suffix(8))",
            "recipient_address": ["name": order.buyer.replacingOccurrences(of: "_", with: " ").capitalized],
            "packages": order.packages.map { ["id": $0.id] }, "line_items": lines, "is_cod": false,
        ]
        if let first = shipped.first {
            json["tracking_number"] = first.trackingNumber
            json["shipping_provider"] = first.provider
            json["shipping_provider_id"] = first.providerID
        }
        if status == "CANCELLED" {
            json["cancel_reason"] = "Buyer changed mind"
            json["cancellation_initiator"] = "BUYER"
        }
        return (json, updated)
    }

    private func body(_ request: LoopbackRequest) -> [String: Any]? {
        if request.body.isEmpty { return [:] }
        return try? JSONSerialization.jsonObject(with: request.body) as? [String: Any]
    }

    private func search(_ request: LoopbackRequest) -> LoopbackResponse {
        guard let size = request.query["page_size"].flatMap(Int.init), (1...100).contains(size) else {
            return Self.error(400, code: 40006, "page_size must be between 1 and 100")
        }
        guard let filter = body(request) else { return Self.error(400, code: 40006, "The request body is not JSON") }
        let from = (filter["update_time_ge"] as? Int) ?? 0
        let until = (filter["update_time_lt"] as? Int) ?? Int.max
        var after: (Int, String)?
        if let token = request.query["page_token"], !token.isEmpty {
            guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8),
                  let bar = text.firstIndex(of: "|"), let time = Int(text[..<bar]) else {
                return Self.error(400, code: 40006, "Invalid page_token")
            }
            after = (time, String(text[text.index(after: bar)...]))
        }
        // Sorted by update time, then id; the page token is the last order returned, so an
        // order that changes during paging moves out of this window instead of shifting pages.
        let matching = shop.orders.compactMap(render).filter { $0.updated >= from && $0.updated < until }
            .sorted { ($0.updated, $0.json["id"] as! String) < ($1.updated, $1.json["id"] as! String) }
        let rest = matching.filter { after == nil || ($0.updated, $0.json["id"] as! String) > after! }
        let page = Array(rest.prefix(size))
        var next = ""
        if rest.count > size, let last = page.last {
            next = Data("\(last.updated)|\(last.json["id"] as! String)".utf8).base64EncodedString()
        }
        return Self.success(["orders": page.map(\.json), "next_page_token": next, "total_count": matching.count])
    }

    private func detail(_ request: LoopbackRequest) -> LoopbackResponse {
        let ids = (request.query["ids"] ?? "").split(separator: ",").map(String.init)
        guard !ids.isEmpty, ids.count <= 50 else { return Self.error(400, code: 40006, "ids must name 1 to 50 orders") }
        let orders = ids.compactMap { shop.byID[$0] }.compactMap { render(shop.orders[$0])?.json }
        return Self.success(["orders": orders])
    }

    /// `/fulfillment/202309/orders/{order_id}/tracking`: the events of the order's packages,
    /// newest first.
    private func tracking(_ request: LoopbackRequest) -> LoopbackResponse {
        let parts = request.path.split(separator: "/")
        guard parts.count == 5, parts[4] == "tracking", let index = shop.byID[String(parts[3])] else {
            return Self.error(404, code: 21011001, "Order not found")
        }
        let order = shop.orders[index]
        let elapsed = (book.simulatedNow - order.created) / 60
        var events: [(Double, String)] = []
        for package in order.packages where Double(package.collectedAt) <= elapsed {
            let (timeline, start, minutes) = book.observe(package.trackingNumber)
            for step in timeline.visibleSteps(elapsedMinutes: minutes) {
                let time = start + Double(step.minutes) * 60
                events.append((time, ScanTexts.describe(step, awb: package.trackingNumber, timeline: timeline, courier: "tiktok", date: "", clock: "")))
            }
        }
        let tracking = events.sorted { $0.0 > $1.0 }.map { ["description": $0.1, "update_time_millis": Int($0.0 * 1000)] as [String: Any] }
        return Self.success(["tracking": tracking])
    }
}
