package import LacakSupport

/// One HTTP request with the limits that apply to it.
package struct HTTPRequest: Sendable {
    package var method: String
    package var url: String
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]?
    package var options: TransferOptions

    package init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil, options: TransferOptions = TransferOptions()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.options = options
    }
}

/// Timeouts, size cap and TLS trust for a transfer; couriers set these from their config.
package struct TransferOptions: Sendable, Equatable {
    package var connectTimeoutMilliseconds: Int
    package var timeoutMilliseconds: Int
    /// A larger response body fails the transfer with `responseTooLarge`.
    package var maxResponseBytes: Int
    /// A CA bundle to verify the server with instead of the system store.
    package var caFile: String?
    package var followRedirects: Bool

    package init(connectTimeoutMilliseconds: Int = 10_000, timeoutMilliseconds: Int = 30_000, maxResponseBytes: Int = 4 << 20, caFile: String? = nil, followRedirects: Bool = false) {
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
        self.caFile = caFile
        self.followRedirects = followRedirects
    }
}

/// A complete HTTP response.
package struct HTTPResponse: Sendable {
    package var status: Int
    /// Header fields of the final response, names as sent.
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]
    /// `1.1`, `2` …, as negotiated.
    package var httpVersion: String
    /// Seconds from start to the last byte.
    package var totalSeconds: Double
    /// Connections opened for this transfer; 0 when an idle kept-alive one was reused.
    package var newConnections: Int

    package init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], httpVersion: String = "1.1", totalSeconds: Double = 0, newConnections: Int = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
        self.totalSeconds = totalSeconds
        self.newConnections = newConnections
    }

    /// The first header with this name, compared without case.
    package func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    package var isSuccess: Bool { (200..<300).contains(status) }
}

/// Why a transfer produced no response.
package enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL is not http or https, or cannot be parsed.
    case invalidURL(String)
    case connectFailed(String)
    case timedOut(String)
    /// The body grew past the configured cap.
    case responseTooLarge(limit: Int)
    case tlsFailed(String)
    /// The server redirected and redirects are off, or to a scheme other than http(s), or too often.
    case redirectRefused(String)
    /// The connection broke or the server sent something that is not HTTP.
    case protocolError(String)
    case cancelled
    case shutDown

    package var description: String {
        switch self {
        case .invalidURL(let detail): return "invalid URL: \(detail)"
        case .connectFailed(let detail): return "cannot connect: \(detail)"
        case .timedOut(let detail): return "timed out: \(detail)"
        case .responseTooLarge(let limit): return "response larger than \(limit) bytes"
        case .tlsFailed(let detail): return "TLS failed: \(detail)"
        case .redirectRefused(let detail): return "redirect refused: \(detail)"
        case .protocolError(let detail): return "HTTP error: \(detail)"
        case .cancelled: return "cancelled"
        case .shutDown: return "HTTP client shut down"
        }
    }
}

extension TransportError {
    /// The same error with secrets hidden from its detail text (URLs carry API keys).
    package func redacted(by redactor: Redactor) -> TransportError {
        switch self {
        case .invalidURL(let detail): return .invalidURL(redactor.redact(detail))
        case .connectFailed(let detail): return .connectFailed(redactor.redact(detail))
        case .timedOut(let detail): return .timedOut(redactor.redact(detail))
        case .tlsFailed(let detail): return .tlsFailed(redactor.redact(detail))
        case .redirectRefused(let detail): return .redirectRefused(redactor.redact(detail))
        case .protocolError(let detail): return .protocolError(redactor.redact(detail))
        case .responseTooLarge, .cancelled, .shutDown: return self
        }
    }
}

extension String {
    package func caseInsensitiveEquals(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        for (left, right) in zip(utf8, other.utf8) {
            let a = left >= 0x41 && left <= 0x5A ? left | 0x20 : left
            let b = right >= 0x41 && right <= 0x5A ? right | 0x20 : right
            if a != b { return false }
        }
        return true
    }
}
