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

/// The exec adapter running a real plugin program (a Python script in Tests/Fixtures).
@Suite struct ExecAdapterTests {
    static let plugin = Binaries.packageRoot + "/Tests/Fixtures/plugins/example_courier.py"

    func adapter(timeout: String = "3s", maxOutput: String = "64KiB", arguments: [String] = []) throws -> ExecAdapter {
        let directory = TestDirectory()
        let command = ([Self.plugin] + arguments).map { "\"\($0)\"" }.joined(separator: ", ")
        let text = TestConfig.daemon(root: directory.path) + """
            [[courier]]
            id = "plugin"
            adapter = "exec"
            command = [\(command)]
            batch_size = 10
            timeout = "\(timeout)"
            max_response_size = "\(maxOutput)"
            codes = ["jne"]

            [[courier.status_rule]]
            code = "IR"
            status = "info_received"

            [courier.credentials]
            api_key = { env = "LACAK_TEST_API_KEY" }
            """
        let config = try ConfigLoader(environment: ["LACAK_TEST_API_KEY": "plugin-secret-4242"]).load(text: text, path: directory.join("lacak.toml"))
        return try #require(try AdapterFactory.make(config.couriers[0], daemon: config.daemon) as? ExecAdapter)
    }

    func queries(_ numbers: TrackingNumber...) -> [TrackingQuery] {
        numbers.map { TrackingQuery(trackingNumber: $0, courierCode: "jne") }
    }

    @Test func readsResultsFromThePlugin() async throws {
        let adapter = try adapter()
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let outcome = await adapter.track(queries("OK12349", "OK12340", "NF12345", "ER12345"), using: client)
        guard case .found(let delivered) = outcome.results["OK12349"] else { Issue.record("\(outcome.results)"); return }
        #expect(delivered.events.count == 3)
        #expect(delivered.service == "REG")
        // The plugin left the first event's status out; the courier's status rules classified it.
        #expect(delivered.events.map(\.status) == [.infoReceived, .inTransit, .delivered])
        #expect(delivered.events[1].reason == .pickedUp)
        #expect(delivered.events[2].time == Timestamp(seconds: 1_795_839_300))
        guard case .found(let moving) = outcome.results["OK12340"] else { Issue.record("\(outcome.results)"); return }
        #expect(moving.events.count == 2)
        guard case .notFound(let message) = outcome.results["NF12345"] else { Issue.record("\(outcome.results)"); return }
        #expect(message == "unknown number")
        guard case .failed(.adapter(let reason)) = outcome.results["ER12345"] else { Issue.record("\(outcome.results)"); return }
        #expect(reason == "courier system down")
        #expect(outcome.notes.contains { $0.contains("4 number(s) for plugin") })
    }

    @Test func aMisbehavingPluginFailsOnlyItsBatch() async throws {
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let crashed = try await adapter().track(queries("CRASH1", "OK12345"), using: client)
        #expect(crashed.results.values.allSatisfy { if case .failed(.adapter(let text)) = $0 { text.contains("exited with status 3") && text.contains("crashing on purpose") } else { false } })

        let started = ContinuousClock.now
        let hung = try await adapter(timeout: "1s").track(queries("HANG1"), using: client)
        #expect(ContinuousClock.now - started < .seconds(12), "the plugin was killed at its timeout (1 s; room for a loaded machine)")
        guard case .failed(.adapter(let text)) = hung.results["HANG1"] else { Issue.record("\(hung.results)"); return }
        #expect(text.contains("did not finish within 1s"))

        let big = try await adapter(maxOutput: "64KiB").track(queries("BIG1"), using: client)
        guard case .failed(.adapter(let bigText)) = big.results["BIG1"] else { Issue.record("\(big.results)"); return }
        #expect(bigText.contains("more than 64KiB"))

        let lying = try await adapter().track(queries("LIE123", "OK12345"), using: client)
        #expect(lying.results.count == 2, "results for numbers not asked about are dropped")
        guard case .failed(.badResponse(let lie)) = lying.results["LIE123"] else { Issue.record("\(lying.results)"); return }
        #expect(lie.contains("time"))
        // …the same batch's good answer is kept.
        guard case .found = lying.results["OK12345"] else { Issue.record("\(lying.results)"); return }
    }

    @Test func passesSecretsByEnvironmentAndNeverThroughAShell() async throws {
        let marker = FileManager.default.temporaryDirectory.path + "/lacak-shell-\(UUID().uuidString)"
        let adapter = try adapter(arguments: ["--tag", "$(touch \(marker))", "; touch \(marker)"])
        let client = LacakTransport.HTTPClient()
        defer { client.shutdown() }
        let outcome = await adapter.track(queries("SECRET1"), using: client)
        #expect(!FileManager.default.fileExists(atPath: marker), "an argument reached a shell")
        #expect(outcome.notes.contains { $0.contains("$(touch") }, "the plugin got the argument as text")
        // The plugin saw its key in the environment; the log line has it hidden.
        #expect(outcome.notes.contains { $0.contains("my key is ***") })
        #expect(!outcome.notes.joined().contains("plugin-secret-4242"))
    }

    @Test func configNeedsAnAbsoluteCommand() throws {
        let directory = TestDirectory()
        let text = TestConfig.daemon(root: directory.path) + "[[courier]]\nid = \"p\"\nadapter = \"exec\"\ncommand = [\"plugin.py\"]\n"
        #expect(throws: ConfigError.self) { try ConfigLoader(environment: [:]).load(text: text, path: directory.join("lacak.toml")) }
    }
}
