import Foundation
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakPipeline
@testable import LacakDaemon

@Suite struct JSONAdapterTests {
    func adapter(_ toml: String? = nil) throws -> JSONAdapter {
        let toml = try toml ?? TestConfig.inlineBinderbyte(port: 9, root: "/tmp/x")
        let config = try ConfigLoader(environment: ["LACAK_TEST_API_KEY": "k&y=1"]).load(text: toml, path: "/tmp/t.toml")
        return try JSONAdapter(settings: config.couriers[0], defaultZone: config.daemon.timeZone)
    }

    func response(_ body: String, status: Int = 200, headers: [(name: String, value: String)] = []) -> LacakTransport.HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    let binderbyteBody = #"""
        {"status": 200, "message": "Successfully tracked package", "data": {
          "summary": {"awb": "JX1234567890", "courier": "JNE Express", "service": "REG", "status": "DELIVERED", "date": "2026-08-06 10:00:00", "desc": ""},
          "detail": {"origin": "JAKARTA", "destination": "BANDUNG"},
          "history": [
            {"date": "2026-08-06 10:00:00", "desc": "DELIVERED TO [BUDI | 06-08-2026 10:00 | BANDUNG]", "location": "BANDUNG"},
            {"date": "2026-08-06 08:00:00", "desc": "WITH DELIVERY COURIER [BANDUNG]", "location": "BANDUNG"},
            {"date": "2026-08-05 14:30:00", "desc": "PICKED UP BY COURIER [JAKARTA]", "location": "JAKARTA"},
            {"date": "2026-08-05 14:30:00", "desc": "PICKED   up by courier [JAKARTA]", "location": "JAKARTA"},
            {"date": "2026-08-05 12:00:00", "desc": "SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [JAKARTA]", "location": "JAKARTA"},
            {"date": "2026-08-05 11:00:00", "desc": "WEATHER NOTICE", "location": ""}
          ]}}
        """#

    @Test func buildsEncodedRequests() throws {
        let request = try adapter().makeRequest(for: [TrackingQuery(trackingNumber: "AB 12/../?x#", courierCode: "jne")])
        #expect(request.url == "http://127.0.0.1:9/v1/track?api_key=k%26y%3D1&courier=jne&awb=AB%2012%2F..%2F%3Fx%23")
        #expect(request.method == "GET")
        #expect(request.headers.contains { $0.name == "Accept" && $0.value == "application/json" })
        #expect(request.options.timeoutMilliseconds == 5000)
    }

    @Test func buildsBatchBodies() throws {
        let toml = try TestConfig.inlineBinderbyte(port: 9, root: "/tmp/x").replacingOccurrences(of: "batch_size = 1", with: "batch_size = 40").replacingOccurrences(
            of: "path = \"/v1/track?api_key={api_key}&courier={courier_code}&awb={tracking_number}\"",
            with: """
                method = "POST"
                path = "/track/v2.2/gettrackinfo"
                headers = { "17token" = "{api_key}" }
                body = '[{tracking_numbers}]'
                body_item = '{"number": "{tracking_number}", "carrier": "{courier_code}"}'
                """)
        let adapter = try adapter(toml)
        #expect(adapter.maxBatchSize == 40)
        let request = try adapter.makeRequest(for: [TrackingQuery(trackingNumber: "A1\"B", courierCode: "jne"), TrackingQuery(trackingNumber: "C2", courierCode: "jne")])
        #expect(request.method == "POST")
        #expect(String(decoding: request.body ?? [], as: UTF8.self) == #"[{"number": "A1\"B", "carrier": "jne"},{"number": "C2", "carrier": "jne"}]"#)
        #expect(request.headers.contains { $0.name == "17token" && $0.value == "k&y=1" })
        #expect(request.headers.contains { $0.name == "Content-Type" && $0.value == "application/json" })
    }

    @Test func readsABinderbyteAnswer() throws {
        let outcome = try adapter().interpret(response(binderbyteBody), for: ["JX1234567890"])
        guard case .found(let report) = outcome.results["JX1234567890"] else {
            Issue.record("expected found, got \(String(describing: outcome.results))")
            return
        }
        #expect(report.service == "REG")
        #expect(report.events.count == 6)
        let jakarta = ZoneRules(identifier: "Asia/Jakarta")!
        let delivered = try #require(report.events.first { $0.status == .delivered })
        #expect(delivered.time.iso8601(in: jakarta) == "2026-08-06T10:00:00+07:00")
        #expect(report.events.first { $0.description.hasPrefix("WEATHER") }?.status == nil)
        #expect(report.events.first { $0.description.hasPrefix("WEATHER") }?.location == nil)
        let progress = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: report.events)
        #expect(progress.newEvents.count == 5, "the repeated pick-up scan is one event")
        #expect(progress.state.status == .delivered)
    }

    @Test func recognisesNotFoundErrorsAndRateLimits() throws {
        let adapter = try adapter()
        let notFound = adapter.interpret(response(#"{"status": 400, "message": "Invalid AWB or courier. Data not found"}"#, status: 400), for: ["X1"])
        guard case .notFound(let message) = notFound.results["X1"] else { Issue.record("\(notFound.results)"); return }
        #expect(message?.contains("Data not found") == true)

        let badRequest = adapter.interpret(response(#"{"status": 400, "message": "Courier not supported"}"#, status: 400), for: ["X1"])
        #expect(badRequest.results["X1"].flatMap(\.error) == .http(status: 400, message: "Courier not supported"))

        let unauthorized = adapter.interpret(response(#"{"status": 401, "message": "Invalid API key"}"#, status: 401), for: ["X1"])
        #expect(unauthorized.results["X1"].flatMap(\.error) == .unauthorized(message: "Invalid API key"))

        let limited = adapter.interpret(response("{}", status: 429, headers: [("Retry-After", "17")]), for: ["X1", "X2"])
        #expect(limited.retryAfter == 17)
        #expect(limited.results["X2"].flatMap(\.error) == .rateLimited(retryAfter: 17))

        let html = adapter.interpret(response("<html><body>Bad Gateway</body></html>", status: 200), for: ["X1"])
        guard case .failed(.badResponse(let detail)) = html.results["X1"] else { Issue.record("\(html.results)"); return }
        #expect(detail.contains("not JSON"))

        let truncated = adapter.interpret(response(String(binderbyteBody.prefix(200))), for: ["X1"])
        #expect(truncated.results["X1"].flatMap(\.error) != nil)

        let wrongShape = adapter.interpret(response(#"{"status": 200, "data": null}"#), for: ["X1"])
        #expect(wrongShape.results["X1"].flatMap(\.error) != nil)

        let emptyHistory = adapter.interpret(response(#"{"data": {"summary": {"awb": "X1"}, "history": []}}"#), for: ["X1"])
        guard case .found(let empty) = emptyHistory.results["X1"] else { Issue.record("\(emptyHistory.results)"); return }
        #expect(empty.events.isEmpty)
    }

    @Test func explainsUnreadableTimes() throws {
        let body = #"{"data": {"summary": {"awb": "X1"}, "history": [{"date": "06/08/2026 10:00", "desc": "x"}]}}"#
        let outcome = try adapter().interpret(response(body), for: ["X1"])
        guard case .failed(.badResponse(let detail)) = outcome.results["X1"] else { Issue.record("\(outcome.results)"); return }
        #expect(detail.contains("time_format"))
        #expect(detail.contains("06/08/2026 10:00"))
    }

    @Test func readsSeparateDateAndTimeFields() throws {
        let toml = try TestConfig.inlineBinderbyte(port: 9, root: "/tmp/x")
            .replacingOccurrences(of: "shipments = \"data\"", with: "shipments = \"result\"")
            .replacingOccurrences(of: "tracking_number = \"summary.awb\"", with: "tracking_number = \"summary.waybill_number\"")
            .replacingOccurrences(of: "events = \"history[*]\"", with: "events = \"manifest[*]\"")
            .replacingOccurrences(of: "event_time = \"date\"", with: "event_date = \"manifest_date\"\nevent_time = \"manifest_time\"")
            .replacingOccurrences(of: "event_description = \"desc\"", with: "event_description = \"manifest_description\"")
            .replacingOccurrences(of: "event_location = \"location\"", with: "event_location = \"city_name\"\nevent_code = \"manifest_code\"")
        let body = #"{"result": {"summary": {"waybill_number": "jx12345"}, "manifest": [{"manifest_code": "DLV", "manifest_date": "2026-08-05", "manifest_time": "14:30", "manifest_description": "DELIVERED TO [BUDI]", "city_name": "BANDUNG"}]}}"#
        let outcome = try adapter(toml).interpret(response(body), for: ["JX12345"])
        guard case .found(let report) = outcome.results["JX12345"] else { Issue.record("\(outcome.results)"); return }
        #expect(report.events.first?.time == Timestamp(seconds: 1_785_915_000))
        #expect(report.events.first?.code == "DLV")
        #expect(report.events.first?.status == .delivered)
    }

    @Test func hidesSecretsInTransportErrors() async throws {
        // Nothing listens on port 9 of loopback (discard); the error must not carry the key.
        let adapter = try adapter()
        let client = HTTPClient()
        defer { client.shutdown() }
        let outcome = await adapter.track([TrackingQuery(trackingNumber: "JX1", courierCode: "jne")], using: client)
        guard case .failed(let error) = outcome.results["JX1"] else { Issue.record("\(outcome.results)"); return }
        #expect(!error.description.contains("k&y=1"))
        #expect(!error.description.contains("k%26y%3D1"))
    }
}

extension TrackingOutcome {
    var error: CourierError? {
        if case .failed(let error) = self { return error }
        return nil
    }
}
