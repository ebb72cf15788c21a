/// Sends HTTP requests through libcurl's multi interface, many at once on one thread.
///
/// Connections are kept alive and reused, HTTP/2 is multiplexed when the server offers it,
/// TLS is always verified, only http and https are spoken, and redirects are refused unless the
/// request allows them.
public final class HTTPClient: Sendable {
    static let userAgent = "lacak/0.1 (+https://github.com/lacak/lacak) libcurl"

    private let driver: CurlMultiDriver

    public init() {
        driver = CurlMultiDriver()
    }

    /// Sends a request and waits for the whole response; cancelling the task aborts the transfer.
    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
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
        let response = try result.get()
        if !request.options.followRedirects, (300..<400).contains(response.status) {
            let target = response.header("Location").map { " to \(Redactor.stripQuery($0))" } ?? ""
            throw .redirectRefused("HTTP \(response.status)\(target); redirects are off for this courier")
        }
        return response
    }

    /// Fails all transfers in flight and stops the transfer thread.
    public func shutdown() {
        driver.shutdown()
    }
}


/// The driver's id for a transfer, handed from the submitting task to its cancellation handler.
private final class TransferID: Sendable {
    private let value = LockBox<UInt64?>(nil)
    func set(_ id: UInt64) { value.withLock { $0 = id } }
    func get() -> UInt64? { value.withLock { $0 } }
}
