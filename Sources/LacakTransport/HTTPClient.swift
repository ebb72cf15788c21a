import Foundation
import LacakSupport

/// Sends HTTP requests through libcurl's multi interface, many at once on one thread.
///
/// Connections are kept alive and reused, HTTP/2 is multiplexed when the server offers it,
/// TLS is always verified, only http and https are spoken, and redirects are refused unless the
/// request allows them, and then followed only within the request's origin.
package final class HTTPClient: Sendable {
    static let userAgent = "lacak/0.1 (+https://github.com/lacak/lacak) libcurl"

    private let driver: CurlMultiDriver

    package init() {
        driver = CurlMultiDriver()
    }

    /// Most redirects followed for one request.
    static let maxRedirects = 3

    /// Sends a request and waits for the whole response; cancelling the task aborts the transfer.
    ///
    /// Redirects are followed here, not by libcurl, and only within the request's own origin
    /// (scheme, host and port): a courier's headers carry its credentials, and a redirect to
    /// another host (another port, `0x7f000001`, a link-local address) must not receive them.
    package func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        var current = request
        var hops = 0
        while true {
            let response = try await sendOnce(current)
            guard (300..<400).contains(response.status), response.status != 304 else { return response }
            let location = response.header("Location")
            guard request.options.followRedirects else {
                let target = location.map { " to \(Redactor.stripQuery($0))" } ?? ""
                throw .redirectRefused("HTTP \(response.status)\(target); redirects are off for this courier")
            }
            guard let location, let next = Self.redirectTarget(location, from: current.url) else {
                throw .redirectRefused("HTTP \(response.status) without a usable Location")
            }
            guard Self.origin(of: next) == Self.origin(of: current.url) else {
                throw .redirectRefused("HTTP \(response.status) to another origin (\(Self.origin(of: next) ?? "?")); lacak follows redirects only within the courier's own origin")
            }
            hops += 1
            guard hops <= Self.maxRedirects else { throw .redirectRefused("more than \(Self.maxRedirects) redirects") }
            current.url = next
            // 303, and 301/302 after a POST, are answered with a GET, as browsers and curl do.
            if response.status == 303 || ((response.status == 301 || response.status == 302) && current.method == "POST") {
                current.method = "GET"
                current.body = nil
                current.headers.removeAll { $0.name.caseInsensitiveEquals("Content-Type") }
            }
        }
    }

    /// The absolute URL a `Location` names, resolved against `base`; nil unless http(s).
    static func redirectTarget(_ location: String, from base: String) -> String? {
        guard location.utf8.count <= 8192, !location.contains(where: { $0 == "\r" || $0 == "\n" }),
              let baseURL = URL(string: base), let resolved = URL(string: location, relativeTo: baseURL)?.absoluteURL,
              let scheme = resolved.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { return nil }
        return resolved.absoluteString
    }

    /// `scheme://host:port` of a URL, lowercased, with the scheme's default port filled in.
    static func origin(of url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host?.lowercased() else { return nil }
        let port = parsed.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }

    private func sendOnce(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        if Task.isCancelled { throw .cancelled }
        let box = TransferID()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>) in
                if let id = driver.submit(request, continuation: continuation) {
                    box.set(id)
                }
            }
        } onCancel: {
            if let id = box.get() { driver.cancel(id) }
        }
        return try result.get()
    }

    /// Fails all transfers in flight and stops the transfer thread.
    package func shutdown() {
        driver.shutdown()
    }
}

/// The driver's id for a transfer, handed from the submitting task to its cancellation handler.
private final class TransferID: Sendable {
    private let value = LockBox<UInt64?>(nil)
    func set(_ id: UInt64) { value.withLock { $0 = id } }
    func get() -> UInt64? { value.withLock { $0 } }
}
