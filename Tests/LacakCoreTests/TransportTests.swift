import LoopbackHTTP
import Foundation
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakDaemon

@Suite struct TransportTests {
    @Test func sendsRequestsAndReadsResponses() async throws {
        let server = try await LoopbackServer(routes: [
            LoopbackRoute("GET", "/hello") { request in
                .json(#"{"query": "\#(request.query["name"] ?? "")", "agent": "\#(request.header("User-Agent") ?? "")", "x": "\#(request.header("X-Test") ?? "")"}"#,
                      headers: [("X-Reply", "yes")])
            },
            LoopbackRoute("POST", "/echo") { request in
                .json(String(decoding: request.body, as: UTF8.self), status: 201)
            },
        ])
        defer { Task { await server.stop() } }
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }

        let response = try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/hello?name=lacak%20test", headers: [("X-Test", "1")]))
        #expect(response.status == 200)
        #expect(response.header("x-reply") == "yes")
        let body = try JSONParser().parse(response.body)
        #expect(body["query"] == JSONValue.string("lacak test"))
        #expect(body["agent"]?.stringValue?.hasPrefix("lacak/") == true)
        #expect(body["x"] == JSONValue.string("1"))

        let posted = try await client.send(LacakTransport.HTTPRequest(method: "POST", url: server.baseURL + "/echo", headers: [("Content-Type", "application/json")], body: Array(#"{"a":1}"#.utf8)))
        #expect(posted.status == 201)
        #expect(String(decoding: posted.body, as: UTF8.self) == #"{"a":1}"#)

        // Keep-alive: the next request reuses the idle connection instead of opening one.
        let again = try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/hello"))
        #expect(again.status == 200)
        #expect(again.newConnections == 0)
        #expect(response.newConnections == 1)
    }

    @Test func capsResponseSize() async throws {
        let big = String(repeating: "x", count: 300_000)
        let server = try await LoopbackServer(routes: [LoopbackRoute("GET", "/big") { _ in .json("\"\(big)\"") }])
        defer { Task { await server.stop() } }
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let options = TransferOptions(maxResponseBytes: 100_000)
        await #expect(throws: TransportError.responseTooLarge(limit: 100_000)) {
            try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/big", options: options))
        }
        let fits = try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/big", options: TransferOptions(maxResponseBytes: 400_000)))
        #expect(fits.body.count == 300_002)
    }

    @Test func timesOut() async throws {
        let server = try await LoopbackServer(routes: [LoopbackRoute("GET", "/slow") { _ in
            try? await Task.sleep(for: .seconds(3))
            return .json("{}")
        }])
        defer { Task { await server.stop() } }
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let started = ContinuousClock.now
        await #expect {
            try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/slow", options: TransferOptions(timeoutMilliseconds: 300)))
        } throws: { error in
            if case TransportError.timedOut = error { return true }
            return false
        }
        #expect(ContinuousClock.now - started < .seconds(6), "a 300 ms timeout, with room for a machine loaded by sanitizers")
    }

    @Test func refusesRedirectsUnlessAllowedAndOtherSchemes() async throws {
        let server = try await LoopbackServer(routes: [
            LoopbackRoute("GET", "/moved") { _ in .redirect(301, to: "/target?secret=1") },
            LoopbackRoute("GET", "/target") { _ in .json(#"{"ok": true}"#) },
            LoopbackRoute("GET", "/elsewhere") { _ in .redirect(302, to: "file:///etc/passwd") },
            LoopbackRoute("GET", "/loop") { _ in .redirect(302, to: "/loop") },
        ])
        defer { Task { await server.stop() } }
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        await #expect {
            try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/moved"))
        } throws: { error in
            guard case TransportError.redirectRefused(let detail) = error else { return false }
            return detail.contains("301") && !detail.contains("secret=1")
        }
        let followed = try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/moved", options: TransferOptions(followRedirects: true)))
        #expect(followed.status == 200)
        await #expect(throws: TransportError.self) {
            try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/elsewhere", options: TransferOptions(followRedirects: true)))
        }
        await #expect {
            try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/loop", options: TransferOptions(followRedirects: true)))
        } throws: { error in
            if case TransportError.redirectRefused = error { return true }
            return false
        }
        await #expect(throws: TransportError.invalidURL("only http and https URLs are allowed")) {
            try await client.send(LacakTransport.HTTPRequest(url: "file:///etc/passwd"))
        }
        await #expect(throws: TransportError.self) {
            try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/hello?x=a b"))
        }
        await #expect(throws: TransportError.self) {
            try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/target", headers: [("X-Evil", "a\r\nInjected: 1")]))
        }
    }

    @Test func reportsConnectionFailures() async throws {
        // A port that is bound but not listening refuses connections, and nobody else can take it.
        let refusing = try RefusingPort()
        let port = refusing.port
        defer { withExtendedLifetime(refusing) {} }
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        await #expect {
            try await client.send(LacakTransport.HTTPRequest(url: "http://127.0.0.1:\(port)/x", options: TransferOptions(connectTimeoutMilliseconds: 1000)))
        } throws: { error in
            if case TransportError.connectFailed = error { return true }
            return false
        }
    }

    @Test func runsManyTransfersAtOnce() async throws {
        let server = try await LoopbackServer(routes: [LoopbackRoute("GET", "/n/*") { request in
            try? await Task.sleep(for: .milliseconds(200))
            return .json(#"{"n": "\#(request.path.split(separator: "/").last ?? "")"}"#)
        }])
        defer { Task { await server.stop() } }
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let started = ContinuousClock.now
        let results = await withTaskGroup(of: String?.self) { group in
            for index in 0..<100 {
                group.addTask {
                    let response = try? await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/n/\(index)"))
                    return response.flatMap { try? JSONParser().parse($0.body)["n"]?.stringValue }
                }
            }
            var collected: [String] = []
            for await value in group { if let value { collected.append(value) } }
            return collected
        }
        #expect(Set(results) == Set((0..<100).map(String.init)))
        // 100 transfers of 200 ms each, concurrently: well below the 20 s a serial client needs.
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test func cancellingATaskAbortsItsTransfer() async throws {
        let server = try await LoopbackServer(routes: [LoopbackRoute("GET", "/hang") { _ in
            try? await Task.sleep(for: .seconds(30))
            return .json("{}")
        }])
        defer { Task { await server.stop() } }
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let task = Task { try await client.send(LacakTransport.HTTPRequest(url: server.baseURL + "/hang")) }
        try? await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect(throws: TransportError.cancelled) { try await task.value }
    }

    /// A 302 to another origin never receives the courier's headers (its credentials): not on
    /// another port of the same host, not at 0x7f000001, not at a link-local address.
    @Test func redirectsStayWithinTheOrigin() async throws {
        let seen = LockBox<[String]>([])
        let other = try await LoopbackServer(routes: [LoopbackRoute(nil, "/*") { request in
            seen.withLock { $0.append(request.header("X-Key") ?? "-") }
            return .json(#"{"stolen": true}"#)
        }])
        defer { Task { await other.stop() } }
        let courier = try await LoopbackServer(routes: [
            LoopbackRoute("GET", "/port") { _ in .redirect(302, to: other.baseURL + "/collect") },
            LoopbackRoute("GET", "/hex") { _ in .redirect(302, to: "http://0x7f000001:\(other.port)/collect") },
            LoopbackRoute("GET", "/linklocal") { _ in .redirect(307, to: "http://169.254.169.254/latest/meta-data/") },
            LoopbackRoute("GET", "/same") { _ in .redirect(302, to: "/final") },
            LoopbackRoute("GET", "/final") { request in .json(#"{"key": "\#(request.header("X-Key") ?? "-")"}"#) },
        ])
        defer { Task { await courier.stop() } }
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        // Generous: the refusals happen before any connection; a loaded machine must not time out first.
        let options = TransferOptions(connectTimeoutMilliseconds: 5000, timeoutMilliseconds: 10_000, followRedirects: true)
        for path in ["/port", "/hex", "/linklocal"] {
            await #expect {
                try await client.send(LacakTransport.HTTPRequest(url: courier.baseURL + path, headers: [("X-Key", "s3cret")], options: options))
            } throws: { error in
                guard case TransportError.redirectRefused(let detail) = error else { return false }
                return detail.contains("another origin")
            }
        }
        #expect(seen.withLock { $0 }.isEmpty, "the other origin was asked: \(seen.withLock { $0 })")
        let same = try await client.send(LacakTransport.HTTPRequest(url: courier.baseURL + "/same", headers: [("X-Key", "s3cret")], options: options))
        #expect(String(decoding: same.body, as: UTF8.self).contains("s3cret"), "within the origin the request is followed whole")
    }
}
