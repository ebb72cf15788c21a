import CCurl
import Foundation
package import LacakSupport

/// Runs every libcurl transfer of the process on one dedicated thread, around `epoll` and
/// `curl_multi_socket_action`.
///
/// Invariant: the multi handle, every easy handle and every `Transfer` are touched only on the
/// driver thread (inside `runLoop`). Other threads reach the driver only through `inbox`, a
/// mutex-guarded queue of new transfers and cancellations, and then an eventfd that wakes the
/// thread. libcurl's socket, timer, write and header callbacks run inside
/// `curl_multi_socket_action` and `curl_multi_add_handle`, so on the driver thread too.
///
/// The socket API is used rather than `curl_multi_poll` because the latter hands every
/// connection to `poll(2)` on every wakeup: with hundreds of requests in flight that was a
/// tenth of the CPU time of a busy round. epoll only reports the sockets that are ready.
final class CurlMultiDriver: Sendable {
    private struct Submission: Sendable {
        let id: UInt64
        let request: HTTPRequest
        let continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>
    }

    private struct Inbox {
        var submissions: [Submission] = []
        var cancellations: [UInt64] = []
        var stopping = false
        var stopped = false
        var nextID: UInt64 = 1
    }

    private let inbox = LockBox(Inbox())
    // @unchecked: the pointer is only dereferenced by libcurl, and only on the driver thread
    // (see the type's invariant).
    private struct MultiHandle: @unchecked Sendable { let pointer: UnsafeMutableRawPointer }
    private let multi: MultiHandle
    /// The epoll set of libcurl's sockets and `wakeFD`.
    private let epollFD: Int32
    /// Written by other threads to wake the driver thread (an eventfd counter).
    private let wakeFD: Int32
    private let finished = DispatchSemaphore(value: 0)

    /// libcurl must be initialised once before any other call, and not concurrently.
    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    init() {
        _ = Self.globalInit
        guard let handle = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        multi = MultiHandle(pointer: handle)
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard epollFD >= 0, wakeFD >= 0, lacak_epoll_watch(epollFD, wakeFD, EPOLLIN.rawValue) == 0 else {
            fatalError("cannot create the transfer driver's epoll set: \(String(cString: strerror(errno)))")
        }
        // Keep enough idle connections for the largest courier pool to reuse them.
        _ = lacak_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, 1024)
        _ = lacak_multi_setopt_long(handle, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "lacak-curl"
        thread.start()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// Starts a transfer; `continuation` is resumed exactly once with its outcome.
    func submit(_ request: HTTPRequest, continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>) -> UInt64? {
        let id: UInt64? = inbox.withLock { inbox in
            if inbox.stopping { return nil }
            let id = inbox.nextID
            inbox.nextID += 1
            inbox.submissions.append(Submission(id: id, request: request, continuation: continuation))
            return id
        }
        guard let id else {
            continuation.resume(returning: .failure(.shutDown))
            return nil
        }
        wake()
        return id
    }

    /// Aborts a transfer; it completes with `.cancelled` unless it already finished.
    func cancel(_ id: UInt64) {
        let queued: Submission? = inbox.withLock { inbox in
            if let index = inbox.submissions.firstIndex(where: { $0.id == id }) {
                return inbox.submissions.remove(at: index)
            }
            inbox.cancellations.append(id)
            return nil
        }
        if let queued {
            queued.continuation.resume(returning: .failure(.cancelled))
        } else {
            wake()
        }
    }

    /// Fails every transfer in flight with `.shutDown` and stops the thread.
    func shutdown() {
        let alreadyStopping = inbox.withLock { inbox in
            defer { inbox.stopping = true }
            return inbox.stopping
        }
        guard !alreadyStopping else { return }
        wake()
        finished.wait()
    }

    // MARK: - Driver thread

    /// State owned by the driver thread.
    private final class Transfer {
        let id: UInt64
        let easy: UnsafeMutableRawPointer
        let continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>
        let maxBytes: Int
        let followRedirects: Bool
        var body: [UInt8] = []
        var headers: [(name: String, value: String)] = []
        var tooLarge = false
        var headerList: UnsafeMutablePointer<curl_slist>?
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

        init(id: UInt64, easy: UnsafeMutableRawPointer, continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>, maxBytes: Int, followRedirects: Bool) {
            self.id = id
            self.easy = easy
            self.continuation = continuation
            self.maxBytes = maxBytes
            self.followRedirects = followRedirects
            errorBuffer.initialize(to: 0)
        }

        deinit {
            errorBuffer.deallocate()
        }
    }

    /// What libcurl's socket and timer callbacks tell the driver thread; touched only there.
    fileprivate final class SocketEvents {
        let epollFD: Int32
        /// When libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)`; nil for never.
        var deadline: ContinuousClock.Instant?

        init(epollFD: Int32) {
            self.epollFD = epollFD
        }
    }

    private func runLoop() {
        var transfers: [UInt64: Transfer] = [:]
        var idleHandles: [UnsafeMutableRawPointer] = []
        let events = SocketEvents(epollFD: epollFD)
        let eventsPointer = Unmanaged.passRetained(events)
        _ = lacak_multi_setopt_socket_callback(multi.pointer, curlSocketCallback)
        _ = lacak_multi_setopt_pointer(multi.pointer, CURLMOPT_SOCKETDATA, eventsPointer.toOpaque())
        _ = lacak_multi_setopt_timer_callback(multi.pointer, curlTimerCallback)
        _ = lacak_multi_setopt_pointer(multi.pointer, CURLMOPT_TIMERDATA, eventsPointer.toOpaque())
        let capacity = 256
        var readyFDs = [Int32](repeating: 0, count: capacity)
        var readyEvents = [UInt32](repeating: 0, count: capacity)

        func finish(_ transfer: Transfer, _ result: Result<HTTPResponse, TransportError>) {
            curl_multi_remove_handle(multi.pointer, transfer.easy)
            if let list = transfer.headerList { curl_slist_free_all(list) }
            transfers[transfer.id] = nil
            if idleHandles.count < 256 {
                curl_easy_reset(transfer.easy)
                idleHandles.append(transfer.easy)
            } else {
                curl_easy_cleanup(transfer.easy)
            }
            transfer.continuation.resume(returning: result)
        }

        func collectFinished() {
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi.pointer, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                var privatePointer: UnsafeMutableRawPointer?
                _ = lacak_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &privatePointer)
                guard let privatePointer else { continue }
                let transfer = Unmanaged<Transfer>.fromOpaque(privatePointer).takeUnretainedValue()
                finish(transfer, outcome(of: transfer, code: message.pointee.data.result))
            }
        }

        while true {
            let (submissions, cancellations, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.submissions.removeAll(keepingCapacity: true)
                    inbox.cancellations.removeAll(keepingCapacity: true)
                }
                return (inbox.submissions, inbox.cancellations, inbox.stopping)
            }
            if stopping {
                for submission in submissions { submission.continuation.resume(returning: .failure(.shutDown)) }
                for transfer in Array(transfers.values) { finish(transfer, .failure(.shutDown)) }
                break
            }
            for submission in submissions {
                let easy = idleHandles.popLast() ?? curl_easy_init()
                guard let easy else {
                    submission.continuation.resume(returning: .failure(.protocolError("curl_easy_init failed")))
                    continue
                }
                let transfer = Transfer(id: submission.id, easy: easy, continuation: submission.continuation,
                                        maxBytes: submission.request.options.maxResponseBytes,
                                        followRedirects: submission.request.options.followRedirects)
                if let problem = configure(transfer, for: submission.request) {
                    if let list = transfer.headerList { curl_slist_free_all(list) }
                    curl_easy_cleanup(easy)
                    submission.continuation.resume(returning: .failure(problem))
                    continue
                }
                transfers[transfer.id] = transfer
                // Sets a zero timeout through the timer callback: the transfer starts below.
                curl_multi_add_handle(multi.pointer, easy)
            }
            for id in cancellations {
                if let transfer = transfers[id] { finish(transfer, .failure(.cancelled)) }
            }

            var running: Int32 = 0
            if let deadline = events.deadline, deadline <= .now {
                events.deadline = nil
                curl_multi_socket_action(multi.pointer, CURL_SOCKET_TIMEOUT, 0, &running)
                collectFinished()
            }
            let timeout: Int32
            if let deadline = events.deadline {
                // Rounded up, so the wait never ends just before the deadline and spins.
                let remaining = (deadline - .now).components
                let milliseconds = (Double(remaining.seconds) * 1000 + Double(remaining.attoseconds) / 1e15).rounded(.up)
                timeout = Int32(max(0, min(milliseconds, 60_000)))
            } else {
                timeout = 60_000
            }
            let count = lacak_epoll_wait(epollFD, &readyFDs, &readyEvents, Int32(capacity), timeout)
            if count < 0 { continue }  // EINTR
            for index in 0..<Int(count) {
                let fd = readyFDs[index]
                if fd == wakeFD {
                    var counter: UInt64 = 0
                    _ = read(wakeFD, &counter, 8)
                    continue
                }
                let bits = readyEvents[index]
                var flags: Int32 = 0
                if bits & EPOLLIN.rawValue != 0 { flags |= CURL_CSELECT_IN }
                if bits & EPOLLOUT.rawValue != 0 { flags |= CURL_CSELECT_OUT }
                if bits & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { flags |= CURL_CSELECT_ERR }
                curl_multi_socket_action(multi.pointer, fd, flags, &running)
            }
            collectFinished()
        }
        for easy in idleHandles { curl_easy_cleanup(easy) }
        curl_multi_cleanup(multi.pointer)
        eventsPointer.release()
        close(epollFD)
        close(wakeFD)
        finished.signal()
    }

    /// Sets every option of a transfer; returns an error when the request cannot be sent.
    private func configure(_ transfer: Transfer, for request: HTTPRequest) -> TransportError? {
        let easy = transfer.easy
        let options = request.options
        let lower = request.url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return .invalidURL("only http and https URLs are allowed")
        }
        guard !request.url.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F }) else {
            return .invalidURL("the URL contains spaces or control characters")
        }
        var ok = true
        func check(_ code: CURLcode) { if code != CURLE_OK { ok = false } }

        check(request.url.withCString { lacak_easy_setopt_string(easy, CURLOPT_URL, $0) })
        check(lacak_easy_setopt_pointer(easy, CURLOPT_PRIVATE, Unmanaged.passUnretained(transfer).toOpaque()))
        check(lacak_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer))
        check(lacak_easy_setopt_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        check(lacak_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, Unmanaged.passUnretained(transfer).toOpaque()))
        check(lacak_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback))
        check(lacak_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, Unmanaged.passUnretained(transfer).toOpaque()))
        check(lacak_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        check("http,https".withCString { lacak_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, $0) })
        check("http,https".withCString { lacak_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, $0) })
        // HTTPClient follows redirects itself, within the origin only (libcurl would send the
        // courier's custom headers, and their credentials, to any host a 302 names).
        check(lacak_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0))
        check(lacak_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMilliseconds))
        check(lacak_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, options.timeoutMilliseconds))
        check(lacak_easy_setopt_off_t(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(options.maxResponseBytes)))
        check(lacak_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1))
        check(lacak_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2))
        check(lacak_easy_setopt_long(easy, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2)))
        if let caFile = options.caFile {
            check(caFile.withCString { lacak_easy_setopt_string(easy, CURLOPT_CAINFO, $0) })
        }
        check(lacak_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS)))
        // Over TLS a server may offer HTTP/2: wait for a multiplexable connection rather than
        // opening one per request. Plain http is HTTP/1.1 only, where waiting would just queue
        // a request behind another one's busy connection.
        if lower.hasPrefix("https://") {
            check(lacak_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 1))
        }
        check(lacak_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1))
        check("".withCString { lacak_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, $0) })
        check(HTTPClient.userAgent.withCString { lacak_easy_setopt_string(easy, CURLOPT_USERAGENT, $0) })

        var list: UnsafeMutablePointer<curl_slist>?
        for header in request.headers {
            guard !header.name.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: ":") }),
                  !header.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 })
            else {
                transfer.headerList = list
                return .invalidURL("header \(header.name) contains forbidden characters")
            }
            list = (header.name + ": " + header.value).withCString { curl_slist_append(list, $0) }
        }
        if request.body != nil {
            // A body over 1 KiB would otherwise wait a second for "100 Continue".
            list = "Expect:".withCString { curl_slist_append(list, $0) }
        }
        transfer.headerList = list
        if let list { check(lacak_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list)) }

        switch request.method {
        case "GET":
            check(lacak_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case "POST":
            check(lacak_easy_setopt_long(easy, CURLOPT_POST, 1))
        default:
            check(request.method.withCString { lacak_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, $0) })
        }
        if let body = request.body {
            check(lacak_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            // COPYPOSTFIELDS copies, so the Swift array need not outlive this call.
            check(body.withUnsafeBytes { bytes in
                lacak_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            })
        }
        return ok ? nil : .protocolError("libcurl rejected an option")
    }

    private func outcome(of transfer: Transfer, code: CURLcode) -> Result<HTTPResponse, TransportError> {
        let detail: String = {
            let buffered = String(cString: transfer.errorBuffer)
            return buffered.isEmpty ? String(cString: curl_easy_strerror(code)) : buffered
        }()
        switch code {
        case CURLE_OK:
            var status = 0
            _ = lacak_easy_getinfo_long(transfer.easy, CURLINFO_RESPONSE_CODE, &status)
            var version = 0
            _ = lacak_easy_getinfo_long(transfer.easy, CURLINFO_HTTP_VERSION, &version)
            var total: curl_off_t = 0
            _ = lacak_easy_getinfo_off_t(transfer.easy, CURLINFO_TOTAL_TIME_T, &total)
            var connects = 0
            _ = lacak_easy_getinfo_long(transfer.easy, CURLINFO_NUM_CONNECTS, &connects)
            let versionText: String
            switch version {
            case Int(CURL_HTTP_VERSION_1_0): versionText = "1.0"
            case Int(CURL_HTTP_VERSION_2_0): versionText = "2"
            case Int(CURL_HTTP_VERSION_3): versionText = "3"
            default: versionText = "1.1"
            }
            return .success(HTTPResponse(status: status, headers: transfer.headers, body: transfer.body,
                                         httpVersion: versionText, totalSeconds: Double(total) / 1_000_000, newConnections: connects))
        case CURLE_WRITE_ERROR where transfer.tooLarge, CURLE_FILESIZE_EXCEEDED:
            return .failure(.responseTooLarge(limit: transfer.maxBytes))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(.timedOut(detail))
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .failure(.connectFailed(detail))
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE:
            return .failure(.tlsFailed(detail))
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .failure(transfer.followRedirects ? .redirectRefused(detail) : .invalidURL(detail))
        case CURLE_TOO_MANY_REDIRECTS:
            return .failure(.redirectRefused(detail))
        default:
            return .failure(.protocolError(detail))
        }
    }

    fileprivate static func append(_ data: UnsafeMutablePointer<CChar>?, _ count: Int, to pointer: UnsafeMutableRawPointer?) -> Int {
        guard let pointer, let data else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(pointer).takeUnretainedValue()
        if transfer.body.count + count > transfer.maxBytes {
            transfer.tooLarge = true
            return 0
        }
        data.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
            transfer.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
        }
        return count
    }

    fileprivate static func header(_ data: UnsafeMutablePointer<CChar>?, _ count: Int, to pointer: UnsafeMutableRawPointer?) -> Int {
        guard let pointer, let data else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(pointer).takeUnretainedValue()
        let line = data.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
            String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            // A new response (after a redirect or 100 Continue): forget the previous headers.
            transfer.headers.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...]).trimmingWhitespace()
            transfer.headers.append((name, value))
        }
        return count
    }
}

/// libcurl asks to watch `socket` for `what` (CURL_POLL_IN/OUT/INOUT) or to forget it (REMOVE).
private func curlSocketCallback(_ easy: UnsafeMutableRawPointer?, _ socket: curl_socket_t, _ what: Int32, _ user: UnsafeMutableRawPointer?, _ socketData: UnsafeMutableRawPointer?) -> Int32 {
    guard let user else { return -1 }
    let events = Unmanaged<CurlMultiDriver.SocketEvents>.fromOpaque(user).takeUnretainedValue()
    switch what {
    case CURL_POLL_REMOVE:
        // The socket may be closed already, which removed it from the set: ignore the error.
        _ = lacak_epoll_unwatch(events.epollFD, socket)
        return 0
    default:
        var bits: UInt32 = 0
        if what & CURL_POLL_IN != 0 { bits |= EPOLLIN.rawValue }
        if what & CURL_POLL_OUT != 0 { bits |= EPOLLOUT.rawValue }
        return lacak_epoll_watch(events.epollFD, socket, bits) == 0 ? 0 : -1
    }
}

/// libcurl asks to be called back after `milliseconds` (-1: cancel the timer).
private func curlTimerCallback(_ multi: UnsafeMutableRawPointer?, _ milliseconds: Int, _ user: UnsafeMutableRawPointer?) -> Int32 {
    guard let user else { return -1 }
    let events = Unmanaged<CurlMultiDriver.SocketEvents>.fromOpaque(user).takeUnretainedValue()
    events.deadline = milliseconds < 0 ? nil : ContinuousClock.now.advanced(by: .milliseconds(milliseconds))
    return 0
}

private func curlWriteCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    CurlMultiDriver.append(data, size * count, to: user)
}

private func curlHeaderCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    CurlMultiDriver.header(data, size * count, to: user)
}
