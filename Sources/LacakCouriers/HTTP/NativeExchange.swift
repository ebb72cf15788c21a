import LacakSupport
import LacakModel
import LacakTransport
import LacakConfig

/// What native providers share: building a JSON request, and sorting its answer into
/// "usable", "rate limited", "credentials refused" or another error. Pure; `HTTPProvider`'s
/// `track` sends.
struct NativeExchange: Sendable {
    let settings: CourierSettings
    let redactor: Redactor

    init(settings: CourierSettings) {
        self.settings = settings
        self.redactor = Redactor(secrets: Array(settings.secrets.values), parameterNames: settings.secretParameters + settings.credentials.keys)
    }

    var options: TransferOptions {
        TransferOptions(connectTimeoutMilliseconds: settings.connectTimeout.milliseconds, timeoutMilliseconds: settings.timeout.milliseconds,
                        maxResponseBytes: settings.maxResponseBytes.bytes, caFile: settings.caFile, followRedirects: settings.followRedirects)
    }

    /// The API key credential.
    var apiKey: String { settings.secrets["api_key"]?.value ?? "" }

    /// The configured endpoint, or the provider's own, without a trailing slash.
    func base(default provider: String) -> String {
        let endpoint = settings.endpoint ?? provider
        return endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
    }

    /// A JSON request to the API: the courier's own configured headers first, then the API's.
    func request(_ method: String, _ url: String, headers: [(name: String, value: String)], body: JSONValue? = nil) -> HTTPRequest {
        var allHeaders = settings.headers.map { header in
            (name: header.name, value: header.value.render { settings.secrets[$0]?.value })
        } + headers + [("Accept", "application/json")]
        var bytes: [UInt8]?
        if let body {
            bytes = JSONWriter(pretty: false).bytes(body)
            allHeaders.append(("Content-Type", "application/json"))
        }
        return HTTPRequest(method: method, url: url, headers: allHeaders, body: bytes, options: options)
    }

    /// Sorts an answer: a 2xx answer with a JSON body, or the error for the whole request.
    /// `acceptedStatuses` are non-2xx answers the caller reads itself (404 "not found").
    func read(_ answer: Result<HTTPResponse, TransportError>, acceptedStatuses: Set<Int> = []) -> Result<(status: Int, body: JSONValue), CourierError> {
        var response: HTTPResponse
        switch answer {
        case .failure(let error): return .failure(.transport(error.redacted(by: redactor)))
        case .success(let received): response = received
        }
        // Courier text enters lacak here, redacted once.
        response.body = redactor.redact(bytes: response.body)
        let parsed = (response.body.isEmpty ? nil : try? JSONParser().parse(response.body)).map { redactor.hasShortSecrets ? redactor.redact(json: $0) : $0 }
        if response.status == 429 || (response.status == 503 && response.header("Retry-After") != nil) {
            return .failure(.rateLimited(retryAfter: response.header("Retry-After").flatMap { RetryAfter.seconds($0) }))
        }
        if response.status == 401 || response.status == 403 {
            return .failure(.unauthorized(message: parsed.flatMap(Self.message)))
        }
        guard response.isSuccess || acceptedStatuses.contains(response.status) else {
            return .failure(.http(status: response.status, message: parsed.flatMap(Self.message) ?? JSONAdapter.snippet(response.body).map(redactor.redact)))
        }
        guard let parsed else {
            return .failure(.badResponse(redactor.redact("body is not JSON; starts with \(JSONAdapter.snippet(response.body) ?? "nothing")")))
        }
        return .success((response.status, parsed))
    }

    /// An error message wherever the common APIs put one.
    static func message(_ body: JSONValue) -> String? {
        body["meta"]?["message"]?.scalarText ?? body["message"]?.scalarText ?? body["error"]?["message"]?.scalarText
            ?? body["data"]?["errors"]?.arrayValue?.first?["message"]?.scalarText
    }
}

/// A status with an optional reason, as the built-in vocabulary tables give them.
typealias NormalizedStatus = (status: CarrierStatus, reason: StatusReason?)

extension StatusReason {
    init(_ text: StaticString) {
        self.init(rawValue: "\(text)")
    }
}
