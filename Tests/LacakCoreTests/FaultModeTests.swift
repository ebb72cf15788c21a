import Foundation
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakSpool
@testable import LacakIntake
@testable import LacakPipeline
@testable import LacakDaemon

/// Every way courier-sim can misbehave, against lacak's real adapter and transport: each one
/// ends as a clear failure of that lookup (or a success for mere slowness), never a crash or a
/// hang, and never a wrong result.
@Suite(.serialized) struct FaultModeTests {
    let sim: CourierSimProcess
    let client = LacakTransport.HTTPClient()
    let directory = TestDirectory("faults")

    init() throws {
        sim = try CourierSimProcess(speed: 36_000, scenarios: ["JX30001": "delivered"])
    }

    /// The Binderbyte preset against `endpoint`, with short timeouts and a 1 MiB cap.
    func adapter(endpoint: String, extra: String = "") throws -> any CourierAdapter {
        let text = """
            [daemon]
            spool_dir = "\(directory.path)/spool"
            state_dir = "\(directory.path)/state"
            [[courier]]
            id = "binderbyte"
            preset = "binderbyte"
            endpoint = "\(endpoint)"
            timeout = "2s"
            connect_timeout = "1s"
            max_response_size = "1MiB"
            \(extra)
            [courier.credentials]
            api_key = { env = "LACAK_TEST_API_KEY" }
            """
        let config = try ConfigLoader(environment: TestConfig.environment).load(text: text, path: directory.join("lacak.toml"))
        return try AdapterFactory.make(config.couriers[0], daemon: config.daemon)
    }

    /// One lookup of JX30001 with the sim set to `fault` for every request, and how long the
    /// lookup itself took (setting the fault and building the adapter are not counted).
    func lookup(under fault: String) async throws -> (TrackingOutcome?, BatchOutcome, elapsed: Duration) {
        _ = try BlockingHTTP.put(port: sim.port, path: "/_sim/faults?set=" + fault)
        let adapter = try adapter(endpoint: sim.baseURL)
        let started = ContinuousClock.now
        let outcome = await adapter.track([TrackingQuery(trackingNumber: "JX30001", courierCode: "jne")], using: client)
        return (outcome.results["JX30001"], outcome, ContinuousClock.now - started)
    }

    @Test(arguments: [
        ("reset", "connection reset mid-body"),
        ("truncated", "body shorter than its Content-Length"),
        ("malformed", "JSON cut off"),
        ("html", "HTML error page with status 200"),
        ("huge:4", "4 MiB body over a 1 MiB cap"),
        ("slow:0.5", "one byte every half second, past the 2 s timeout"),
        ("redirect-loop", "redirect to itself"),
        ("hang", "no answer at all"),
        ("error502", "bad gateway"),
    ])
    func brokenAnswersFailTheLookupCleanly(fault: String, what: String) async throws {
        defer { client.shutdown() }
        let (result, _, elapsed) = try await lookup(under: fault)
        // The transfer timeouts are 2 s; the bound leaves room for a machine loaded by sanitizers
        // and the rest of the suite (8 s was seen under AddressSanitizer), and still catches a hang.
        #expect(elapsed < .seconds(15), "\(what): bounded by the timeouts")
        guard case .failed(let error) = result else {
            Issue.record("\(what): expected a failure, got \(String(describing: result))")
            return
        }
        switch fault {
        case "reset", "truncated": #expect(Self.isTransport(error), "\(what): \(error)")
        case "malformed", "html": #expect(error.description.hasPrefix("unexpected response"), "\(what): \(error)")
        case "huge:4": #expect(error == .transport(.responseTooLarge(limit: 1 << 20)), "\(what): \(error)")
        case "slow:0.5", "hang": #expect(Self.isTimeout(error), "\(what): \(error)")
        case "redirect-loop": #expect(error.description.contains("redirect"), "\(what): \(error)")
        default: #expect(error == .http(status: 502, message: "Simulated failure"), "\(what): \(error)")
        }
    }

    @Test func rateLimitsAreObeyedInBothRetryAfterForms() async throws {
        defer { client.shutdown() }
        let (seconds, secondsOutcome, _) = try await lookup(under: "ratelimit:7")
        #expect(seconds?.error == .rateLimited(retryAfter: 7))
        #expect(secondsOutcome.retryAfter == 7)
        let (dated, datedOutcome, _) = try await lookup(under: "ratelimit-date:30")
        guard case .failed(.rateLimited(let wait)) = dated, let wait else {
            Issue.record("an HTTP-date Retry-After was not understood: \(String(describing: dated))")
            return
        }
        // The date is whole seconds, 31 s ahead when sent.
        #expect((28...32).contains(wait), "waits \(wait)s")
        #expect(datedOutcome.retryAfter == wait)
    }

    @Test func randomLatencyOnlySlowsAnswersDown() async throws {
        defer { client.shutdown() }
        let (result, _, _) = try await lookup(under: "latency:0.05-0.3")
        guard case .found(let report) = result else {
            Issue.record("expected a found shipment, got \(String(describing: result))")
            return
        }
        #expect(!report.events.isEmpty)
        let counts = try JSONSerialization.jsonObject(with: BlockingHTTP.get(port: sim.port, path: "/_sim/faults")) as? [String: Int]
        #expect(counts?["latency"] == 1)
    }

    /// HTTPS with a self-signed certificate: refused by default, accepted when the courier's
    /// `ca_file` names that certificate.
    @Test func selfSignedCertificatesNeedTheirCAFile() async throws {
        defer { client.shutdown() }
        _ = try BlockingHTTP.put(port: sim.port, path: "/_sim/faults?set=")
        let cert = directory.join("cert.pem")
        let key = directory.join("key.pem")
        let made = try await runProcess("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                                       "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        try #require(made.status == 0, "openssl: \(made.stderr)")
        let proxy = try BackgroundProcess("/usr/bin/env", ["python3", Binaries.packageRoot + "/Tests/Fixtures/tls_proxy.py",
                                                           "--cert", cert, "--key", key, "--target", String(sim.port)])
        let line = try proxy.waitForLine(containing: "listening on")
        let port = try #require(line.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        let query = [TrackingQuery(trackingNumber: "JX30001", courierCode: "jne")]

        let refused = try await adapter(endpoint: "https://127.0.0.1:\(port)").track(query, using: client)
        guard case .failed(.transport(.tlsFailed(let detail))) = refused.results["JX30001"] else {
            Issue.record("an unknown certificate was not refused: \(String(describing: refused.results["JX30001"]))")
            return
        }
        #expect(detail.lowercased().contains("certificate"))

        let trusted = try await adapter(endpoint: "https://127.0.0.1:\(port)", extra: "ca_file = \"\(cert)\"").track(query, using: client)
        guard case .found = trusted.results["JX30001"] else {
            Issue.record("the named CA was not trusted: \(String(describing: trusted.results["JX30001"]))")
            return
        }
    }

    static func isTransport(_ error: CourierError) -> Bool {
        if case .transport = error { return true }
        return false
    }

    static func isTimeout(_ error: CourierError) -> Bool {
        if case .transport(.timedOut) = error { return true }
        return false
    }
}
