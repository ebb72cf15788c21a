package import LacakSupport
package import LacakConfig
package import LacakTransport

/// TikTok Shop's Open API (202309) for one shop as requests and answers, no I/O: signed
/// requests for order search, order detail, an order's tracking and token refresh, and the
/// answers sorted into data or a typed failure.
package struct TikTokShopAPI: Sendable {
    package let settings: SourceSettings
    private let signer: TikTokShopSigner
    private let appSecret: Secret

    package init(settings: SourceSettings) {
        self.settings = settings
        appSecret = settings.secrets["app_secret"] ?? Secret("")
        signer = TikTokShopSigner(appSecret: appSecret)
    }

    package static let searchPath = "/order/202309/orders/search"
    package static let detailPath = "/order/202309/orders"
    package static func trackingPath(_ orderID: String) -> String { "/fulfillment/202309/orders/\(URLEncoding.percentEncode(orderID))/tracking" }
    package static let refreshPath = "/api/v2/token/refresh"
    /// Most ids one Get Order Detail takes.
    package static let detailBatch = 50

    /// Hides every secret of this source in text bound for logs.
    package var redactor: Redactor {
        Redactor(secrets: Array(settings.secrets.values), parameterNames: ["app_secret", "refresh_token", "access_token", "auth_code"])
    }

    private var options: TransferOptions {
        TransferOptions(timeoutMilliseconds: Int(settings.timeout.seconds * 1000), maxResponseBytes: 16 << 20, caFile: settings.caFile)
    }

    /// A shop request: the common parameters, signed over path, parameters and body.
    package func request(_ method: String, path: String, query: [(name: String, value: String)], body: [UInt8]?, accessToken: Secret, now: Timestamp,
                         shopScoped: Bool = true) -> HTTPRequest {
        var parameters = query + [("app_key", settings.appKey), ("timestamp", String(now.milliseconds / 1000))]
        if shopScoped { parameters.append(("shop_cipher", settings.shopCipher)) }
        parameters.append(("sign", signer.sign(path: path, query: parameters, body: body)))
        let url = settings.endpoint + path + "?" + parameters.map { "\($0.name)=\(URLEncoding.percentEncode($0.value))" }.joined(separator: "&")
        var headers: [(name: String, value: String)] = [("x-tts-access-token", accessToken.value)]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return HTTPRequest(method: method, url: url, headers: headers, body: body, options: options)
    }

    /// Get Order List: orders updated in `[from, until)` (Unix seconds), oldest change first.
    package func search(from: Int64, until: Int64, pageToken: String?, accessToken: Secret, now: Timestamp) -> HTTPRequest {
        var query: [(name: String, value: String)] = [("page_size", String(settings.pageSize)), ("sort_field", "update_time"), ("sort_order", "ASC")]
        if let pageToken, !pageToken.isEmpty { query.append(("page_token", pageToken)) }
        let body = JSONWriter(pretty: false).bytes(.object(JSONObject([("update_time_ge", .integer(from)), ("update_time_lt", .integer(until))])))
        return request("POST", path: Self.searchPath, query: query, body: body, accessToken: accessToken, now: now)
    }

    /// Get Order Detail for at most `detailBatch` ids.
    package func detail(_ ids: [String], accessToken: Secret, now: Timestamp) -> HTTPRequest {
        request("GET", path: Self.detailPath, query: [("ids", ids.joined(separator: ","))], body: nil, accessToken: accessToken, now: now)
    }

    /// Get Tracking of one order.
    package func tracking(orderID: String, accessToken: Secret, now: Timestamp) -> HTTPRequest {
        request("GET", path: Self.trackingPath(orderID), query: [], body: nil, accessToken: accessToken, now: now)
    }

    /// Get Authorized Shops: the shops the token may act for, with their ciphers (not shop-scoped).
    package func authorizedShops(accessToken: Secret, now: Timestamp) -> HTTPRequest {
        request("GET", path: Self.shopsPath, query: [], body: nil, accessToken: accessToken, now: now, shopScoped: false)
    }

    package static let shopsPath = "/authorization/202309/shops"
    package static let tokenPath = "/api/v2/token/get"

    /// Get Access Token: the tokens for the auth code a seller's authorization gave.
    package func accessToken(authCode: String) -> HTTPRequest {
        let query = [("app_key", settings.appKey), ("app_secret", appSecret.value), ("auth_code", authCode), ("grant_type", "authorized_code")]
        let url = settings.authEndpoint + Self.tokenPath + "?" + query.map { "\($0.0)=\(URLEncoding.percentEncode($0.1))" }.joined(separator: "&")
        return HTTPRequest(method: "GET", url: url, options: options)
    }

    /// Refresh Access Token (the auth host; app key and secret in the query, unsigned).
    package func refresh(_ refreshToken: Secret) -> HTTPRequest {
        let query = [("app_key", settings.appKey), ("app_secret", appSecret.value), ("refresh_token", refreshToken.value), ("grant_type", "refresh_token")]
        let url = settings.authEndpoint + Self.refreshPath + "?" + query.map { "\($0.0)=\(URLEncoding.percentEncode($0.1))" }.joined(separator: "&")
        return HTTPRequest(method: "GET", url: url, options: options)
    }

    /// Why the API refused or failed a request.
    package struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        package enum Kind: Sendable, Equatable {
            /// The access token expired or is unknown: refresh it and ask again.
            case token
            /// TikTok refused the signature, app key or shop cipher: a configuration problem.
            case credentials
            /// Rate limited; wait `retryAfter` seconds (or a moment) before asking again.
            case rateLimited
            /// The page token is no longer valid: start the window's search again.
            case pageToken
            /// Anything else: a transport failure, a 5xx, an answer that is not the API's.
            case other
        }

        package var kind: Kind
        package var message: String
        package var retryAfter: Double?

        package var description: String { message }
    }

    /// The `data` object of a successful answer, or why there is none.
    package static func data(of answer: Result<HTTPResponse, TransportError>, redactor: Redactor) -> Result<JSONValue, Failure> {
        let response: HTTPResponse
        switch answer {
        case .failure(let error): return .failure(Failure(kind: .other, message: error.redacted(by: redactor).description))
        case .success(let value): response = value
        }
        let retryAfter = response.header("Retry-After").flatMap { RetryAfter.seconds($0) }
        let body = try? JSONParser().parse(response.body)
        let code = body?["code"]?.integerValue
        let message = redactor.redact(body?["message"]?.stringValue.map { String($0.prefix(200)) } ?? "no message")
        if response.status == 429 || code == 36009003 {
            return .failure(Failure(kind: .rateLimited, message: "rate limited (HTTP \(response.status), code \(code.map(String.init) ?? "none"))", retryAfter: retryAfter))
        }
        guard let code else {
            return .failure(Failure(kind: .other, message: "HTTP \(response.status), not a TikTok Shop API answer"))
        }
        switch code {
        case 0:
            guard let data = body?["data"] else { return .failure(Failure(kind: .other, message: "an answer without data")) }
            return .success(data)
        case 105001, 105002, 105005:
            return .failure(Failure(kind: .token, message: "access token refused (code \(code): \(message))"))
        case 106001, 106002, 106003, 106004, 105003, 105004:
            return .failure(Failure(kind: .credentials, message: "TikTok Shop refused the request (code \(code): \(message)); check app_key, app_secret, shop_cipher and the clock"))
        case 40006 where message.lowercased().contains("page_token"):
            return .failure(Failure(kind: .pageToken, message: "page token refused (\(message))"))
        default:
            return .failure(Failure(kind: .other, message: "HTTP \(response.status), code \(code): \(message)"))
        }
    }
}
