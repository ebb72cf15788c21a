public import Foundation
import LacakSupport
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP request as a loopback handler sees it: the whole body already read.
public struct LoopbackRequest: Sendable {
    public var method: String
    /// The path without the query.
    public var path: String
    /// Query parameters, percent-decoded; the first value of a repeated name.
    public var query: [String: String]
    /// The query as sent (without "?"), nil when there was none.
    public var rawQuery: String?
    public var headers: [(name: String, value: String)]
    public var body: Data

    /// The first header with this name, compared without case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// An HTTP response from a loopback handler.
public struct LoopbackResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// How the body goes out; anything but `.whole` simulates a broken server or network.
    public var delivery: Delivery

    /// How a response body is sent.
    public enum Delivery: Sendable, Equatable {
        /// All of it, then the connection stays open for the next request (keep-alive).
        case whole
        /// The head announces the full length, `bytes` of the body follow, then the connection
        /// is closed: with a TCP reset when `reset`, else with an orderly FIN (a truncated body).
        case cut(afterBytes: Int, reset: Bool)
        /// One byte every `interval`, then the connection is closed.
        case trickle(interval: Duration)
    }

    public init(status: Int = 200, headers: [(name: String, value: String)] = [], body: Data = Data(), delivery: Delivery = .whole) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delivery = delivery
    }

    /// A JSON body (`application/json`).
    public static func json(_ text: String, status: Int = 200, headers: [(name: String, value: String)] = []) -> LoopbackResponse {
        LoopbackResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: Data(text.utf8))
    }

    /// A redirect to `location`.
    public static func redirect(_ status: Int, to location: String) -> LoopbackResponse {
        LoopbackResponse(status: status, headers: [("Location", location)])
    }
}

/// Answers a request; nil means "never answer" (the connection stays open, silent).
public typealias LoopbackHandler = @Sendable (LoopbackRequest) async -> LoopbackResponse?

/// A route: a method (nil for any) and a path, exact or ending in `*` for a prefix.
public struct LoopbackRoute: Sendable {
    public var method: String?
    public var path: String
    public var handler: LoopbackHandler

    public init(_ method: String?, _ path: String, _ handler: @escaping LoopbackHandler) {
        self.method = method
        self.path = path
        self.handler = handler
    }

    func matches(_ request: LoopbackRequest) -> Bool {
        if let method, method != request.method { return false }
        if path.hasSuffix("*") { return request.path.hasPrefix(String(path.dropLast())) }
        return request.path == path
    }
}

/// A small HTTP/1.1 server on SwiftNIO, bound to 127.0.0.1, for courier-sim and the tests.
///
/// Keep-alive and pipelined requests are served in order; each request's handler runs as its
/// own task, so a handler that sleeps (a simulated slow courier) holds up nothing else.
public final class LoopbackHTTPServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let handlers: HandlerTasks
    /// The port the server listens on.
    public let port: Int

    /// Starts listening on 127.0.0.1:`port` (0 picks a free port).
    public init(port: Int = 0, threads: Int? = nil, routes: [LoopbackRoute]) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads ?? System.coreCount))
        let handlers = HandlerTasks()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(routes: routes, handlers: handlers))
                }
            }
        do {
            channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        self.group = group
        self.handlers = handlers
        self.port = channel.localAddress?.port ?? port
    }

    /// `http://127.0.0.1:PORT`
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops listening, closes every connection and stops the threads.
    public func stop() async {
        try? await channel.close()
        // Handlers still sleeping (a delayed or hanging answer) end first: one finishing after
        // the event loops are gone could not hand its answer to them.
        await handlers.cancelAndWait()
        try? await group.shutdownGracefully()
    }

    /// Serves until the listening socket is closed.
    public func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }
}

/// Collects one request, runs its handler in a task, writes the answer on the event loop.
private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let routes: [LoopbackRoute]
    let handlers: HandlerTasks
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// Larger request bodies are refused; no courier API takes more.
    private let maxBody = 8 << 20

    init(routes: [LoopbackRoute], handlers: HandlerTasks) {
        self.routes = routes
        self.handlers = handlers
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            if body.readableBytes + chunk.readableBytes <= maxBody { body.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            self.head = nil
            let request = Self.request(head, body: Data(body.readableBytesView))
            let keepAlive = head.isKeepAlive
            let version = head.version
            let route = routes.first { $0.matches(request) }
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let promise = context.eventLoop.makePromise(of: LoopbackResponse?.self)
            let started = handlers.run {
                guard let route else { return promise.succeed(LoopbackResponse.json(#"{"error": "no such route"}"#, status: 404)) }
                promise.succeed(await route.handler(request))
            }
            // The server is stopping: leave the request unanswered.
            if !started { promise.succeed(nil) }
            promise.futureResult.whenSuccess { response in
                guard let response else { return }
                Self.write(response, version: version, keepAlive: keepAlive, context: loopBound.value)
            }
        }
    }

    private static func request(_ head: HTTPRequestHead, body: Data) -> LoopbackRequest {
        var path = head.uri
        var query: [String: String] = [:]
        var rawQuery: String?
        if let mark = head.uri.firstIndex(of: "?") {
            path = String(head.uri[..<mark])
            rawQuery = String(head.uri[head.uri.index(after: mark)...])
            for pair in head.uri[head.uri.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ") }
                let name = parts[0].removingPercentEncoding ?? parts[0]
                let value = parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : ""
                if query[name] == nil { query[name] = value }
            }
        }
        return LoopbackRequest(method: head.method.rawValue, path: path, query: query, rawQuery: rawQuery,
                               headers: head.headers.map { ($0.name, $0.value) }, body: body)
    }

    private static func write(_ response: LoopbackResponse, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
        let keepAlive = keepAlive && response.delivery == .whole
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        let channel = context.channel
        func bodyPart(_ bytes: Data) -> NIOAny {
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            return NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer)))
        }
        switch response.delivery {
        case .whole:
            if !response.body.isEmpty { context.write(bodyPart(response.body), promise: nil) }
            let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
            if !keepAlive {
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        case .cut(let bytes, let reset):
            let done = context.writeAndFlush(bodyPart(response.body.prefix(max(0, bytes))))
            done.whenComplete { _ in
                if reset {
                    // SO_LINGER with a zero timeout turns close() into a TCP RST.
                    guard let provider = channel as? any SocketOptionProvider else {
                        channel.close(promise: nil)
                        return
                    }
                    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in
                        channel.close(promise: nil)
                    }
                } else {
                    channel.close(promise: nil)
                }
            }
        case .trickle(let interval):
            context.flush()
            let bytes = [UInt8](response.body)
            let loop = channel.eventLoop
            @Sendable func send(_ index: Int) {
                guard index < bytes.count, channel.isActive else {
                    channel.close(promise: nil)
                    return
                }
                var buffer = channel.allocator.buffer(capacity: 1)
                buffer.writeInteger(bytes[index])
                channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer))).whenComplete { _ in
                    loop.scheduleTask(in: .nanoseconds(Int64(interval.components.seconds) * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000)) {
                        send(index + 1)
                    }
                }
            }
            send(0)
        }
    }
}

/// The request handlers still running, so `stop()` can end them while the event loops that
/// take their answers are still there.
final class HandlerTasks: Sendable {
    private let state = LockBox((next: 0, running: [Int: Task<Void, Never>](), closed: false))

    /// Runs `body` as a task of its own; false once the server is stopping.
    func run(_ body: @escaping @Sendable () async -> Void) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            let id = state.next
            state.next += 1
            // Registered under the lock the task takes to unregister, so it cannot go first.
            state.running[id] = Task {
                await body()
                self.state.withLock { _ = $0.running.removeValue(forKey: id) }
            }
            return true
        }
    }

    /// Refuses new handlers, cancels the running ones and waits for them to return.
    func cancelAndWait() async {
        let running = state.withLock { state in
            state.closed = true
            return Array(state.running.values)
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }
}
