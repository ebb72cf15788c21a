import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakCouriers

/// HTTP providers as the pure functions they are: the requests a batch needs, and what each
/// answer means, including the further requests it asks for. No network; the end-to-end
/// tests run the same providers against courier-sim.
@Suite struct HTTPProviderTests {
    static func provider(_ name: String) throws -> any HTTPProvider {
        try #require(try FuzzRegressionTests.preset(name) as? any HTTPProvider)
    }

    static func answer(_ body: String, status: Int = 200) -> Result<HTTPResponse, TransportError> {
        .success(HTTPResponse(status: status, body: Array(body.utf8)))
    }

    @Test func seventeenTrackRegistersOnlyTheNumbersItDoesNotKnowAndAsksAgain() throws {
        let provider = try Self.provider("17track")
        let queries = [TrackingQuery(trackingNumber: "JX2611280001"), TrackingQuery(trackingNumber: "JX2611280002")]
        let first = try #require(try provider.requests(for: queries).first)
        #expect(first.http.method == "POST")
        #expect(first.http.url == "http://127.0.0.1:9/track/v2.2/gettrackinfo")
        #expect(first.http.headers.contains { $0.name == "17token" })
        let body = try JSONParser().parse(try #require(first.http.body))
        #expect(body.arrayValue?.compactMap { $0["number"]?.stringValue } == ["JX2611280001", "JX2611280002"])

        let known = #"{"number": "JX2611280001", "track_info": {"latest_status": {"status": "InTransit"}, "tracking": {"providers": [{"events": [{"time_iso": "2026-11-28T10:00:00+07:00", "description": "Paket diterima", "stage": "InTransit"}]}]}}}"#
        let unknown = #"{"number": "JX2611280002", "error": {"code": -18019902, "message": "not registered"}}"#
        let reading = provider.parse(Self.answer(#"{"code": 0, "data": {"accepted": [\#(known)], "rejected": [\#(unknown)]}}"#), for: first)
        #expect(reading.results.keys.sorted() == ["JX2611280001"])
        let register = try #require(reading.next.first)
        #expect(reading.next.count == 1)
        #expect(register.step == .register)
        #expect(register.http.url.hasSuffix("/track/v2.2/register"))
        #expect(register.queries.map(\.trackingNumber) == ["JX2611280002"], "only the unknown number spends quota")

        let again = try #require(provider.parse(Self.answer(#"{"code": 0, "data": {"accepted": [], "rejected": []}}"#), for: register).next.first)
        #expect(again.step == .trackRegistered)
        let last = provider.parse(Self.answer(#"{"code": 0, "data": {"accepted": [], "rejected": [\#(unknown)]}}"#), for: again)
        #expect(last.next.isEmpty, "asked once more, never a loop")
        guard case .notFound = last.results["JX2611280002"] else {
            Issue.record("\(String(describing: last.results["JX2611280002"]))")
            return
        }
    }

    @Test func afterShipCreatesEachMissingTracking() throws {
        let provider = try Self.provider("aftership")
        let queries = [TrackingQuery(trackingNumber: "JX2611280001", courierCode: "jne"), TrackingQuery(trackingNumber: "JX2611280002", courierCode: "jne")]
        let list = try #require(try provider.requests(for: queries).first)
        #expect(list.http.method == "GET")
        #expect(list.http.url.hasSuffix("/trackings?tracking_numbers=JX2611280001,JX2611280002"))
        let reading = provider.parse(Self.answer(#"{"data": {"trackings": [{"tracking_number": "JX2611280001", "checkpoints": []}]}}"#), for: list)
        let create = try #require(reading.next.first)
        #expect(reading.next.count == 1)
        #expect(create.http.method == "POST")
        #expect(try JSONParser().parse(try #require(create.http.body))["slug"] == .string("jne"))
        let created = provider.parse(Self.answer(#"{"meta": {"code": 4003, "message": "exists"}}"#, status: 400), for: create)
        guard case .found(let report) = created.results["JX2611280002"] else {
            Issue.record("\(String(describing: created.results["JX2611280002"]))")
            return
        }
        #expect(report.events.isEmpty)
    }

    @Test func aRateLimitOrATransportFailureFailsTheRequestsNumbers() throws {
        let provider = try Self.provider("binderbyte")
        let queries = [TrackingQuery(trackingNumber: "JX2611280001", courierCode: "jne")]
        let request = try #require(try provider.requests(for: queries).first)
        #expect(request.http.url.contains("awb=JX2611280001"))
        let limited = provider.parse(.success(HTTPResponse(status: 429, headers: [("Retry-After", "120")], body: [])), for: request)
        #expect(limited.retryAfter == 120)
        let down = provider.parse(.failure(.connectFailed("refused")), for: request)
        guard case .failed(.transport) = down.results["JX2611280001"] else {
            Issue.record("\(String(describing: down.results["JX2611280001"]))")
            return
        }
    }
}
