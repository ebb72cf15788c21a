import Foundation
@testable import LacakSupport
@testable package import LacakModel
@testable import LacakConfig
@testable package import LacakCouriers
@testable import LacakIntake
@testable import LacakTransport

/// What the fuzz targets share: the repository's data directory and adapters built from its
/// presets, the way lacakd builds them.
package enum FuzzSupport {
    /// The repository's config/ (presets and tracking-number rules).
    package static let dataDirectory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config").path

    /// The adapter of a shipped preset, pointed nowhere (the targets only parse answers).
    package static func adapter(preset: String) -> any CourierAdapter {
        adapter(courier: """
            preset = "\(preset)"
            endpoint = "http://127.0.0.1:9"
            [courier.credentials]
            api_key = { env = "LACAK_FUZZ_KEY" }
            """)
    }

    /// The adapter of a `[[courier]]` table with id "fuzz" and the given body.
    package static func adapter(courier body: String) -> any CourierAdapter {
        let text = """
            [daemon]
            spool_dir = "/nonexistent/lacak-fuzz/spool"
            state_dir = "/nonexistent/lacak-fuzz/state"
            data_dir = "\(dataDirectory)"
            [[courier]]
            id = "fuzz"
            \(body)
            """
        do {
            let config = try ConfigLoader(environment: ["LACAK_FUZZ_KEY": "fuzz-key"]).load(text: text, path: "/nonexistent/lacak-fuzz/lacak.toml")
            return try AdapterFactory.make(config.couriers[0], daemon: config.daemon)
        } catch {
            fatalError("cannot build the fuzz adapter: \(error)")
        }
    }

    /// Runs `adapter` on the fuzzer's bytes as an answer body, once per HTTP status.
    package static func interpret(_ adapter: any CourierAdapter, _ start: UnsafeRawPointer, _ count: Int,
                                 statuses: [Int] = [200, 404], numbers: [TrackingNumber] = ["JX1234567890", "SC0000000001"]) {
        let body = Array(UnsafeRawBufferPointer(start: start, count: count))
        for status in statuses {
            _ = adapter.interpret(HTTPResponse(status: status, body: body), for: numbers)
        }
    }
}
