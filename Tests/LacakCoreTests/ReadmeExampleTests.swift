import LoopbackHTTP
import Foundation
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

/// The README's "Adding a courier" example, taken from the README itself and run against a
/// loopback server answering as the example says, so the guide cannot drift from the truth.
@Suite struct ReadmeExampleTests {
    static func exampleConfig() throws -> String {
        let readme = try String(contentsOfFile: Binaries.packageRoot + "/README.md", encoding: .utf8)
        let blocks = readme.components(separatedBy: "```toml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        return try #require(blocks.first { $0.contains("id = \"kurirkita\"") }, "the README lost its worked example")
    }

    @Test func theWorkedDeclarativeExampleWorks() async throws {
        let server = try await LoopbackServer(routes: [LoopbackRoute("GET", "/v2/lacak/*") { request in
            guard request.header("X-Key") == "readme-key" else { return .json(#"{"ok": false}"#, status: 401) }
            let number = String(request.path.split(separator: "/").last ?? "")
            if number != "JX1234567890" { return .json(#"{"ok": false, "pesan": "resi tidak ditemukan"}"#, status: 404) }
            return .json("""
                {"ok": true,
                 "paket": {"resi": "JX1234567890", "layanan": "REG",
                           "riwayat": [{"waktu": "28-11-2026 14:05", "kode": "DLV", "ket": "Diterima oleh BUDI", "kota": "BANDUNG"},
                                       {"waktu": "28-11-2026 08:30", "kode": "OFD", "ket": "Kurir menuju alamat", "kota": "BANDUNG"}]}}
                """)
        }])
        defer { Task { await server.stop() } }
        let directory = TestDirectory()
        let example = try Self.exampleConfig().replacingOccurrences(of: "https://api.kurirkita.id", with: server.baseURL)
        let config = try ConfigLoader(environment: ["KURIRKITA_KEY": "readme-key"])
            .load(text: TestConfig.daemon(root: directory.path) + example, path: directory.join("lacak.toml"))
        let adapter = try AdapterFactory.make(config.couriers[0], daemon: config.daemon)
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let outcome = await adapter.track([TrackingQuery(trackingNumber: "JX1234567890"), ], using: client)
        guard case .found(let report) = outcome.results["JX1234567890"] else { Issue.record("\(outcome.results)"); return }
        let progress = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: report.events)
        #expect(progress.state.status == .delivered)
        #expect(progress.newEvents.map(\.status) == [.outForDelivery, .delivered])
        #expect(progress.newEvents.last?.time.iso8601(in: config.daemon.timeZone) == "2026-11-28T14:05:00+07:00")
        #expect(report.service == "REG")
        let missing = await adapter.track([TrackingQuery(trackingNumber: "JX0000000000")], using: client)
        guard case .notFound = missing.results["JX0000000000"] else { Issue.record("\(missing.results)"); return }
    }
}
