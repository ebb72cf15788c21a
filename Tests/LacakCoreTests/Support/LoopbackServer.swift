import FlyingFox
import FlyingSocks
import Foundation

/// A real HTTP server (FlyingFox) on 127.0.0.1 with a free port, running inside the test process.
final class LoopbackServer: Sendable {
    let server: HTTPServer
    let port: UInt16
    private let task: Task<Void, any Error>

    init(routes: [(String, @Sendable (FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse)]) async throws {
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 30, logger: .disabled)
        for (route, handler) in routes {
            await server.appendRoute(HTTPRoute(stringLiteral: route), handler: handler)
        }
        let server = server
        task = Task { try await server.run() }
        try await server.waitUntilListening(timeout: 10)
        guard case .ip4(_, port: let port) = await server.listeningAddress else { throw TestFailure("no port") }
        self.port = port
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        await server.stop(timeout: 1)
        task.cancel()
    }
}

extension FlyingFox.HTTPResponse {
    static func json(_ text: String, status: Int = 200, headers: [String: String] = [:]) -> FlyingFox.HTTPResponse {
        var fields = HTTPHeaders()
        fields[.contentType] = "application/json"
        for (name, value) in headers { fields[HTTPHeader(name)] = value }
        return FlyingFox.HTTPResponse(statusCode: HTTPStatusCode(status, phrase: "Status"), headers: fields, body: Data(text.utf8))
    }

    static func redirect(_ status: Int, to location: String) -> FlyingFox.HTTPResponse {
        var fields = HTTPHeaders()
        fields[.location] = location
        return FlyingFox.HTTPResponse(statusCode: HTTPStatusCode(status, phrase: "Redirect"), headers: fields)
    }
}
