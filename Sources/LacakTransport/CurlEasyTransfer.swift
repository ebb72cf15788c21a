import CCurl
import Foundation
import LacakSupport

/// One libcurl easy handle and what it collects: the options set from an `HTTPRequest`, the
/// body and headers libcurl's write and header callbacks hand over, and the response or error
/// made from them at the end.
///
/// Owned by `CurlMultiDriver`'s thread: created, configured, filled and finished there only
/// (the callbacks run inside `curl_multi_socket_action` on that thread), so it needs no lock.
final class CurlTransfer {
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

    /// Sets every option of a transfer; returns an error when the request cannot be sent.
    func configure(for request: HTTPRequest) -> TransportError? {
        let transfer = self
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

    func outcome(code: CURLcode) -> Result<HTTPResponse, TransportError> {
        let transfer = self
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
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(pointer).takeUnretainedValue()
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
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(pointer).takeUnretainedValue()
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

private func curlWriteCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    CurlTransfer.append(data, size * count, to: user)
}

private func curlHeaderCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    CurlTransfer.header(data, size * count, to: user)
}
