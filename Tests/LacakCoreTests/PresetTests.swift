import Foundation
import Logging
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakSpool
@testable import LacakPipeline
@testable import LacakDaemon
import LoopbackHTTP

/// Every preset against its courier-sim dialect, through libcurl on loopback.
@Suite struct PresetTests {
    struct Case: Sendable, CustomStringConvertible {
        var preset: String
        var dialect: String
        /// Appended to the simulator's base URL to make the endpoint.
        var endpointPath = ""
        var courierCode = "jne"
        /// How the API shows a number it does not know: `.notFound`, or nothing yet (`.found`, no events).
        var unknownIsNotFound = true
        var description: String { preset }
    }

    static let cases = [
        Case(preset: "binderbyte", dialect: "binderbyte"),
        Case(preset: "rajaongkir", dialect: "rajaongkir"),
        Case(preset: "komerce", dialect: "komerce"),
        Case(preset: "17track", dialect: "17track"),
        Case(preset: "aftership", dialect: "aftership", endpointPath: "/tracking/2025-04", unknownIsNotFound: false),
        Case(preset: "easypost", dialect: "easypost", courierCode: "usps", unknownIsNotFound: false),
    ]

    func adapter(_ testCase: Case, port: Int, key: String = "test-key") throws -> any CourierAdapter {
        let directory = TestDirectory()
        let text = TestConfig.daemon(root: directory.path)
            + TestConfig.courier(preset: testCase.preset, endpoint: "http://127.0.0.1:\(port)\(testCase.endpointPath)")
        let config = try ConfigLoader(environment: ["LACAK_TEST_API_KEY": key]).load(text: text, path: directory.join("lacak.toml"))
        return try AdapterFactory.make(config.couriers[0], daemon: config.daemon)
    }

    @Test(arguments: cases)
    func tracksToDeliveryAndReadsErrors(_ testCase: Case) async throws {
        let sim = try CourierSimProcess(speed: 360_000, scenarios: ["JX1000001": "delivered", "JX1000002": "returned", "JX1000009": "not_found"],
                                        extra: ["--dialect", testCase.dialect])
        let adapter = try adapter(testCase, port: sim.port)
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let code = adapter.settings.apiCode(forIntakeCode: testCase.courierCode)
        let queries = ["JX1000001", "JX1000002", "JX1000009"].map { TrackingQuery(trackingNumber: $0, courierCode: code) }

        // Ask until the delivered parcel is delivered (the simulator runs 100 hours a second).
        var state = [TrackingNumber: CarrierState]()
        var known = [TrackingNumber: Set<String>]()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            for batch in queries.chunked(into: adapter.maxBatchSize) {
                let outcome = await adapter.track(Array(batch), using: client)
                for query in batch {
                    switch outcome.results[query.trackingNumber] {
                    case .found(let report):
                        let progress = ShipmentProgress(current: state[query.trackingNumber] ?? CarrierState(), knownFingerprints: known[query.trackingNumber] ?? [], incoming: report.events)
                        state[query.trackingNumber] = progress.state
                        known[query.trackingNumber, default: []].formUnion(progress.newEvents.map(\.fingerprint))
                        if query.trackingNumber == "JX1000009" {
                            #expect(!testCase.unknownIsNotFound && report.events.isEmpty, "\(testCase): an unknown number came back with events")
                        }
                    case .notFound:
                        #expect(query.trackingNumber == "JX1000009", "\(testCase): \(query.trackingNumber) not found")
                    case .failed(let error):
                        Issue.record("\(testCase): \(query.trackingNumber) failed: \(error)")
                    case .deferred, nil:
                        Issue.record("\(testCase): no result for \(query.trackingNumber)")
                    }
                }
            }
            if state["JX1000001"]?.status == .delivered, state["JX1000002"]?.status == (testCase.preset == "easypost" ? .returning : .returned) { break }
            try? await Task.sleep(for: .milliseconds(200))
        }
        #expect(state["JX1000001"]?.status == .delivered, "\(testCase): \(String(describing: state["JX1000001"]))")
        let returnStatus: CarrierStatus = testCase.preset == "easypost" ? .returning : .returned
        #expect(state["JX1000002"]?.status == returnStatus, "\(testCase): \(String(describing: state["JX1000002"]))")
        #expect((known["JX1000001"]?.count ?? 0) >= 6, "\(testCase): the delivered parcel's scans")

        // A wrong key fails the whole batch as the courier's failure, never "not found".
        let wrong = try self.adapter(testCase, port: sim.port, key: "wrong-key")
        let refused = await wrong.track([queries[0]], using: client)
        guard case .failed(let error) = refused.results["JX1000001"] else {
            Issue.record("\(testCase): a wrong key gave \(String(describing: refused.results))")
            return
        }
        #expect(refused.isCourierFailure, "\(testCase): \(error)")
    }

    @Test(arguments: cases)
    func readsTheQuotaAnswer(_ testCase: Case) async throws {
        let sim = try CourierSimProcess(speed: 360_000, extra: ["--dialect", testCase.dialect, "--quota", "1/60"])
        let adapter = try adapter(testCase, port: sim.port)
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let query = TrackingQuery(trackingNumber: "JX2000001", courierCode: adapter.settings.apiCode(forIntakeCode: testCase.courierCode))
        _ = await adapter.track([query], using: client)
        let limited = await adapter.track([query], using: client)
        guard case .failed(.rateLimited(let seconds)) = limited.results["JX2000001"] else {
            Issue.record("\(testCase): expected rate limited, got \(String(describing: limited.results))")
            return
        }
        #expect(seconds != nil && seconds! > 0 && seconds! <= 60)
        #expect(limited.retryAfter == seconds)
    }

    /// Hostile and broken bodies give an error for the batch (or nothing found), never a crash
    /// and never invented events.
    @Test(arguments: cases)
    func survivesBrokenBodies(_ testCase: Case) async throws {
        let bodies = [
            "", "{", "[]", "{}", "null", "\"text\"", "<html><body>502 Bad Gateway</body></html>",
            #"{"data": "x", "rajaongkir": 5, "meta": [], "code": "zero"}"#,
            #"{"data": {"accepted": "no", "trackings": {}, "history": 7, "summary": null}}"#,
            #"{"data": {"summary": {"awb": 12}, "history": [{"date": null, "desc": {}}, 5, null]}}"#,
            #"{"rajaongkir": {"status": {"code": 200}, "result": {"manifest": [{"manifest_date": 3}]}}}"#,
            #"{"code": 0, "data": {"accepted": [{"number": "JX3000001", "track_info": {"tracking": {"providers": [{"events": [{"time_utc": "yesterday"}]}]}}}]}}"#,
            #"{"tracking_code": "JX3000001", "tracking_details": [{"datetime": 17, "message": null}]}"#,
            String(repeating: "[", count: 5000),
        ]
        let answer: LoopbackHandler = { request in
            let index = Int(request.header("X-Body") ?? "0") ?? 0
            return .json(bodies[index % bodies.count])
        }
        let server = try await LoopbackServer(routes: [LoopbackRoute(nil, "/*", answer)])
        defer { Task { await server.stop() } }
        let adapter = try adapter(testCase, port: Int(server.port))
        for index in bodies.indices {
            let outcome = await adapter.trackWithHeader(index: index, query: TrackingQuery(trackingNumber: "JX3000001", courierCode: "jne"), server: server)
            switch outcome {
            case .found(let report):
                #expect(report.events.allSatisfy { $0.time.milliseconds > 0 }, "\(testCase) body \(index): invented an event")
            case .notFound, .failed, .deferred, nil:
                break
            }
        }
    }
}

extension CourierAdapter {
    /// Sends one lookup through a loopback server that answers with the `index`th broken body.
    func trackWithHeader(index: Int, query: TrackingQuery, server: LoopbackServer) async -> TrackingOutcome? {
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let tagged = HeaderTaggingClient(index: index)
        return await tagged.run(self, query: query, client: client)
    }
}

/// Tags requests with the body index through a courier setting header.
struct HeaderTaggingClient {
    let index: Int
    func run(_ adapter: some CourierAdapter, query: TrackingQuery, client: LacakTransport.HTTPClient) async -> TrackingOutcome? {
        var settings = adapter.settings
        settings.headers.append(HeaderTemplate(name: "X-Body", value: Template(String(index))))
        guard let tagged = try? AdapterFactory.make(settings, daemon: DaemonSettings()) else { return nil }
        return await tagged.track([query], using: client).results[query.trackingNumber]
    }
}
