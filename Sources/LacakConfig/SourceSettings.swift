package import LacakSupport

/// One `[[source]]` table: somewhere lacak pulls orders from by itself. The one kind today is
/// `tiktokshop`, TikTok Shop's Open API for one shop.
package struct SourceSettings: Sendable, Decodable {
    /// The source's name in logs and state (its cursor and tokens are kept under it).
    package var id: String
    package var kind: Kind
    /// The Open API's base URL.
    package var endpoint: String
    /// Where tokens are refreshed.
    package var authEndpoint: String
    /// The app's key (not a secret: it travels in every URL).
    package var appKey: String
    /// The shop's cipher (`shop_cipher`), from Get Authorized Shops.
    package var shopCipher: String
    /// How often the daemon pulls.
    package var interval: ConfigDuration
    /// How far back the first pull reaches.
    package var lookback: ConfigDuration
    /// Orders per search page (1–100).
    package var pageSize: Int
    /// Requests per second at most (TikTok allows 50 per API and shop), and how many at once.
    package var rateLimit: Double
    package var burst: Int
    package var timeout: ConfigDuration
    /// Changes newer than this are left for the next pull: an update is searchable a moment
    /// after its update_time.
    package var settle: ConfigDuration
    /// `app_secret`, `access_token`, `refresh_token`: where each comes from.
    package var credentials: [String: SecretReference]
    /// The credentials' values, filled in by the loader (never decoded, never logged).
    package var secrets: [String: Secret] = [:]
    /// A CA bundle for the endpoints (tests with a local TLS server).
    package var caFile: String?

    /// The kinds of source.
    package enum Kind: String, Sendable, Decodable, CaseIterable {
        case tiktokshop
    }

    /// The credentials a TikTok Shop source needs.
    package static let requiredCredentials = ["app_secret", "access_token", "refresh_token"]

    /// Settings for the setup commands (`lacakd tiktokshop …`), which take their values from
    /// the command line: the defaults of a `[[source]]` table.
    package init(appKey: String, shopCipher: String = "", endpoint: String = "https://open-api.tiktokglobalshop.com",
                 authEndpoint: String = "https://auth.tiktok-shops.com", secrets: [String: Secret]) {
        id = Kind.tiktokshop.rawValue
        kind = .tiktokshop
        self.endpoint = endpoint
        self.authEndpoint = authEndpoint
        self.appKey = appKey
        self.shopCipher = shopCipher
        interval = .minutes(5)
        lookback = .hours(24 * 30)
        pageSize = 50
        rateLimit = 20
        burst = 5
        timeout = ConfigDuration(seconds: 30)
        settle = ConfigDuration(seconds: 10)
        credentials = [:]
        self.secrets = secrets
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, kind, endpoint
        case authEndpoint = "auth_endpoint"
        case appKey = "app_key"
        case shopCipher = "shop_cipher"
        case interval, lookback
        case pageSize = "page_size"
        case rateLimit = "rate_limit"
        case burst, timeout, settle, credentials
        case caFile = "ca_file"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kindText = try container.decode(String.self, forKey: .kind)
        guard let kind = Kind(rawValue: kindText) else {
            throw container.invalid(.kind, "unknown source kind '\(kindText)'; use \(Kind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or "))")
        }
        self.kind = kind
        id = try container.decodeIfPresent(String.self, forKey: .id) ?? kind.rawValue
        guard Identifiers.isValidCourierID(id) else { throw container.invalid(.id, "'\(id)' is not an id (lowercase letters, digits, '-', '_')") }
        endpoint = try Self.url(container, .endpoint, default: "https://open-api.tiktokglobalshop.com")
        authEndpoint = try Self.url(container, .authEndpoint, default: "https://auth.tiktok-shops.com")
        appKey = try container.decode(String.self, forKey: .appKey)
        guard !appKey.isEmpty, appKey.count <= 128, appKey.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw container.invalid(.appKey, "must be the app key from Partner Center (letters and digits)")
        }
        shopCipher = try container.decode(String.self, forKey: .shopCipher)
        guard !shopCipher.isEmpty, shopCipher.count <= 256, shopCipher.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }) else {
            throw container.invalid(.shopCipher, "must be the shop's cipher from Get Authorized Shops")
        }
        interval = try container.duration(.interval, default: .minutes(5), in: 1...86_400)
        lookback = try container.duration(.lookback, default: .hours(24 * 30), in: 60...(366 * 86_400))
        pageSize = try container.decodeIfPresent(Int.self, forKey: .pageSize) ?? 50
        guard (1...100).contains(pageSize) else { throw container.invalid(.pageSize, "must be between 1 and 100") }
        rateLimit = try container.decodeIfPresent(Double.self, forKey: .rateLimit) ?? 20
        guard rateLimit > 0, rateLimit <= 50, rateLimit.isFinite else { throw container.invalid(.rateLimit, "must be more than 0 and at most 50 requests per second (TikTok's limit)") }
        burst = try container.decodeIfPresent(Int.self, forKey: .burst) ?? 5
        guard (1...50).contains(burst) else { throw container.invalid(.burst, "must be between 1 and 50") }
        timeout = try container.duration(.timeout, default: ConfigDuration(seconds: 30), in: 1...300)
        settle = try container.duration(.settle, default: ConfigDuration(seconds: 10), in: 0...3600)
        credentials = try container.decodeIfPresent([String: SecretReference].self, forKey: .credentials) ?? [:]
        for name in credentials.keys where !Self.requiredCredentials.contains(name) {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [CodingKeys.credentials, AnyCodingKey(name)],
                                                    debugDescription: "unknown credential; a tiktokshop source takes \(Self.requiredCredentials.joined(separator: ", "))"))
        }
        for name in Self.requiredCredentials where credentials[name] == nil {
            throw container.invalid(.credentials, "\(name) is missing (\(Self.requiredCredentials.joined(separator: ", ")) are needed)")
        }
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
    }

    private static func url(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, default fallback: String) throws -> String {
        guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return fallback }
        let lower = text.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else { throw container.invalid(key, "must start with https:// (or http:// for a local test server)") }
        // The app secret and refresh token travel in the query: never in clear text off this machine.
        if lower.hasPrefix("http://") {
            let host = lower.dropFirst(7).prefix { $0 != "/" }
            let name = host.hasPrefix("[") ? String(host.prefix { $0 != "]" }) + "]" : String(host.prefix { $0 != ":" })
            guard ["127.0.0.1", "localhost", "[::1]"].contains(name) else {
                throw container.invalid(key, "must be https:// (http:// only for a server on this machine, 127.0.0.1 or localhost)")
            }
        }
        guard !text.contains(where: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "?" || $0 == "#" }) else {
            throw container.invalid(key, "must be a base URL without spaces, query or fragment")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}
