import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakCouriers

/// Typed identifiers: what each accepts, and courier answers matched to the numbers asked for
/// however the courier writes them back.
@Suite struct IdentifierTests {
    @Test func eachIdentifierAcceptsOnlyItsForm() throws {
        #expect(OrderID(rawValue: "TTS-5770-01") != nil)
        #expect(OrderID(rawValue: "../etc") == nil)
        #expect(OrderID(rawValue: "") == nil)
        #expect(TrackingNumber(rawValue: "JX2611280001") != nil)
        #expect(TrackingNumber(rawValue: "jx2611280001") == nil)
        #expect(try TrackingNumber(normalizing: " jx 2611 2800 01 ").rawValue == "JX2611280001")
        #expect(throws: IdentifierError.self) { try TrackingNumber(normalizing: "JX26?x=1") }
        #expect(TrackingNumber(echoed: "jx\t2611280001") == "JX2611280001")
        #expect(TrackingNumber(echoed: "JX") == nil)
        #expect(CourierID(rawValue: "jne-api") != nil)
        #expect(CourierID(rawValue: "-jne") == nil)
        #expect(CourierID(rawValue: "JNE") == nil)
        #expect(CourierID(rawValue: String(repeating: "a", count: 33)) == nil)
        #expect(CourierCode(rawValue: "sicepat") != nil)
        #expect(CourierCode(rawValue: "j&t") == nil)
        #expect(CourierCode(rawValue: "") == nil)
    }

    /// Each native and declarative adapter asked for `JX2611280001` and answered about
    /// `jx 2611 2800 01` reports the parcel found, not "no result for this number".
    @Test(arguments: [
        ("aftership", #"{"data": {"trackings": [{"tracking_number": "jx 2611 2800 01", "tag": "InTransit", "checkpoints": [{"checkpoint_time": "2026-11-28T10:00:00+07:00", "message": "Paket diterima", "tag": "InTransit"}]}]}}"#),
        ("17track", #"{"code": 0, "data": {"accepted": [{"number": "jx2611280001", "track_info": {"latest_status": {"status": "InTransit", "sub_status": "InTransit_Other"}, "tracking": {"providers": [{"events": [{"time_iso": "2026-11-28T10:00:00+07:00", "description": "Paket diterima", "stage": "InTransit"}]}]}}}], "rejected": []}}"#),
    ])
    func anEchoInAnotherFormStillMatches(preset: String, body: String) throws {
        let adapter = try FuzzRegressionTests.preset(preset)
        let asked: TrackingNumber = "JX2611280001"
        let outcome = adapter.interpret(HTTPResponse(status: 200, body: Array(body.utf8)), for: [asked])
        #expect(outcome.results.keys.sorted() == [asked])
        guard case .found(let report) = outcome.results[asked] else {
            Issue.record("\(preset): \(String(describing: outcome.results[asked]))")
            return
        }
        #expect(report.events.first?.status == .inTransit)
    }
}
