package import LacakSupport

/// Signs TikTok Shop Open API requests as the API requires ("Sign your API request",
/// partner.tiktokshop.com): HMAC-SHA256, keyed with the app secret, over
/// `secret + path + key1 value1 key2 value2 … + body + secret`, lowercase hex.
///
/// The query parameters are taken without `sign` and `access_token`, sorted by name, each as
/// its name followed by its value (unencoded, no separators); the body is appended as sent
/// unless the request is multipart/form-data. Tests check it against Python's `hmac`.
package struct TikTokShopSigner: Sendable {
    private let secret: Secret

    package init(appSecret: Secret) {
        secret = appSecret
    }

    /// The `sign` parameter of a request.
    package func sign(path: String, query: [(name: String, value: String)], body: [UInt8]?, multipart: Bool = false) -> String {
        let content = Self.signedContent(secret: secret.value, path: path, query: query, body: multipart ? nil : body)
        return Digest.hex(Digest.hmacSHA256(key: Array(secret.value.utf8), message: content))
    }

    /// What is signed, secret included (tests compare it with an independent implementation).
    static func signedContent(secret: String, path: String, query: [(name: String, value: String)], body: [UInt8]?) -> [UInt8] {
        var content = Array(secret.utf8)
        content += Array(path.utf8)
        let signed = query.filter { $0.name != "sign" && $0.name != "access_token" }
            .sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        for (name, value) in signed {
            content += Array(name.utf8)
            content += Array(value.utf8)
        }
        if let body { content += body }
        content += Array(secret.utf8)
        return content
    }
}
