import CCurl
import Foundation
import LacakSupport

/// Runs every libcurl transfer of the process on one dedicated thread, around `epoll` and
/// `curl_multi_socket_action`.
///
/// Invariant: the multi handle, every easy handle and every `CurlTransfer` (CurlEasyTransfer.swift) are touched only on the
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
        var transfers: [UInt64: CurlTransfer] = [:]
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

        func finish(_ transfer: CurlTransfer, _ result: Result<HTTPResponse, TransportError>) {
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
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(privatePointer).takeUnretainedValue()
                finish(transfer, transfer.outcome(code: message.pointee.data.result))
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
                let transfer = CurlTransfer(id: submission.id, easy: easy, continuation: submission.continuation,
                                        maxBytes: submission.request.options.maxResponseBytes,
                                        followRedirects: submission.request.options.followRedirects)
                if let problem = transfer.configure(for: submission.request) {
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
