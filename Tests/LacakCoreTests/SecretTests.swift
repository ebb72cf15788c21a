import Foundation
import LoopbackHTTP
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

/// A full tracking cycle with a known API key, then a search of everything lacak wrote — logs
/// at the most verbose level, `--check` output in both formats, the spool, the state database
/// and its journal — for the key, raw or percent-encoded. It must be nowhere.
@Suite(.serialized) struct SecretTests {
    /// Characters that percent-encoding changes, so both spellings are searched for.
    static let key = "Lk-9f2c+S3CR3T/7e1=&x"

    @Test func theAPIKeyIsNowhereInLogsSpoolOrState() async throws {
        // A third of the answers are failures whose text could echo the request URL.
        let sim = try CourierSimProcess(speed: 36_000, apiKey: Self.key, scenarios: ["JX60001": "delivered", "JX60002": "returned"],
                                        extra: ["--fault=redirect-loop@0.1", "--fault=html@0.1", "--fault=error500@0.1"])
        let secrets = TestDirectory("secret-file")
        let keyFile = try secrets.write("binderbyte.key", Self.key + "\n")
        let daemon = try await DaemonTests.Running(config: { directory in
            TestConfig.daemon(root: directory.path, extra: "retry_initial = \"1s\"\nretry_max = \"2s\"\n" + DaemonTests.fastPolling) + """
                [[courier]]
                id = "binderbyte"
                preset = "binderbyte"
                endpoint = "\(sim.baseURL)"
                codes = ["jne"]
                rate_limit = 0
                follow_redirects = true

                [courier.credentials]
                api_key = { file = "\(keyFile)" }

                """
        })
        try daemon.drop("orders.jsonl", """
            {"order_id": "K-1", "tracking_number": "JX60001", "courier": "jne"}
            {"order_id": "K-2", "tracking_number": "JX60002", "courier": "jne"}
            """)
        try await daemon.waitUntil("both orders final") { daemon.carrierStatus("K-1") == "delivered" && daemon.carrierStatus("K-2") == "returned" }
        await daemon.process.stopExpectingSuccess(timeout: 20)
        #expect(try sim.requestCount() > 5)

        var outputs = [daemon.log]
        for arguments in [["--check", "--all", "--log-level", "trace"], ["--check", "--courier", "binderbyte", "--tracking", "JX60001", "--output", "json", "--log-level", "trace"], ["validate"]] {
            let result = try await runProcess(Binaries.lacakd, arguments + ["--config", daemon.configPath])
            outputs += [result.stdout, result.stderr]
        }
        let needles = [Self.key, URLEncoding.percentEncode(Self.key), Self.key.replacingOccurrences(of: "+", with: " ")]
        for (index, text) in outputs.enumerated() {
            for needle in needles { #expect(!text.contains(needle), "output \(index) holds the key:\n\(text)") }
        }
        #expect(outputs.joined().contains("lacakd started"), "the logs were captured")

        var searched = 0
        let root = daemon.directory.path
        let walker = FileManager.default.enumerator(atPath: root)
        while let path = walker?.nextObject() as? String {
            guard let data = FileManager.default.contents(atPath: root + "/" + path) else { continue }
            searched += 1
            for needle in needles {
                #expect(data.range(of: Data(needle.utf8)) == nil, "\(path) holds the key")
            }
        }
        #expect(searched > 5, "spool and state files were searched")
        #expect(FileManager.default.fileExists(atPath: root + "/state/state.sqlite"))
    }

    /// A courier that echoes the key back — in a non-JSON error page, an HTML page, an event
    /// time lacak cannot read, an event text — and a key of three characters: the key is in no
    /// snapshot, no state, no `--output json`, no lookup output and no log line.
    @Test func anEchoedKeyIsRedactedWhereItEntersLacak() async throws {
        let key = "k9Z"
        let answers = LockBox(0)
        let server = try await LoopbackServer(routes: [LoopbackRoute(nil, "/*") { request in
            let echoed = request.query["api_key"] ?? "?"
            let turn = answers.withLock { value -> Int in value += 1; return value }
            switch turn % 4 {
            case 0: return LoopbackResponse(status: 500, body: Data("internal error for key \(echoed) at /v1/track".utf8))
            case 1: return LoopbackResponse(status: 502, headers: [("Content-Type", "text/html")], body: Data("<html><body>bad gateway (key=\(echoed))</body></html>".utf8))
            case 2: return .json(#"{"status": 200, "data": {"summary": {"awb": "JX61001"}, "history": [{"date": "\#(echoed)-time", "desc": "x"}]}}"#)
            default: return .json(#"{"status": 200, "data": {"summary": {"awb": "JX61001"}, "history": [{"date": "2026-11-01 10:00:00", "desc": "Paket diproses untuk \#(echoed)"}]}}"#)
            }
        }])
        defer { Task { await server.stop() } }
        let directory = TestDirectory("echo")
        let keyFile = try directory.write("key", key)
        let config = try directory.write("lacak.toml", TestConfig.daemon(root: directory.path) + """
            [[courier]]
            id = "binderbyte"
            preset = "binderbyte"
            endpoint = "\(server.baseURL)"
            codes = ["jne"]
            rate_limit = 0
            [courier.credentials]
            api_key = { file = "\(keyFile)" }
            """)
        try directory.write("spool/incoming/o.json", #"{"order_id": "E-1", "tracking_number": "JX61001", "courier": "jne"}"#)
        var outputs: [String] = []
        for arguments in [["--check", "--all", "--log-level", "trace"], ["--check", "--all", "--output", "json"], ["--check", "--all"], ["--check", "--all", "--output", "json"],
                          ["--check", "--courier", "jne", "--tracking", "JX61001"], ["--check", "--courier", "jne", "--tracking", "JX61001"],
                          ["--check", "--courier", "jne", "--tracking", "JX61001"], ["--check", "--courier", "jne", "--tracking", "JX61001"]] {
            let result = try await runProcess(Binaries.lacakd, arguments + ["--config", config])
            outputs += [result.stdout, result.stderr]
        }
        #expect(answers.withLock { $0 } >= 8)
        for (index, text) in outputs.enumerated() {
            #expect(!text.contains(key), "output \(index) holds the key:\n\(text)")
        }
        var searched = 0
        let walker = FileManager.default.enumerator(atPath: directory.path)
        while let path = walker?.nextObject() as? String {
            guard path != "key", let data = FileManager.default.contents(atPath: directory.join(path)) else { continue }
            searched += 1
            #expect(data.range(of: Data(key.utf8)) == nil, "\(path) holds the key")
        }
        #expect(searched >= 3)
        #expect(outputs.joined().contains("***"), "what was echoed is shown redacted")
    }

    /// A courier message and an intake file name carrying `\n<0>` and ANSI/OSC escapes: under
    /// journald no line of another priority is forged, and no escape reaches the terminal.
    @Test func controlCharactersFromOutsideAreEscaped() async throws {
        let server = try await LoopbackServer(routes: [LoopbackRoute(nil, "/*") { _ in
            .json(#"{"status": 500, "message": "oops\n<0>forged emergency \u001b[31mred\u001b]0;title\u0007"}"#, status: 500)
        }])
        defer { Task { await server.stop() } }
        let directory = TestDirectory("escapes")
        let config = try directory.write("lacak.toml", TestConfig.daemon(root: directory.path) + TestConfig.courier(preset: "binderbyte", endpoint: server.baseURL, codes: ["jne"]))
        try directory.write("spool/incoming/o.json", #"{"order_id": "T-1", "tracking_number": "JX62001", "courier": "jne"}"#)
        try directory.write("spool/incoming/evil\u{1b}[2J\n<0>name.json", "not json at all")
        try await Task.sleep(for: .milliseconds(50))
        for environment in [["JOURNAL_STREAM": "8:1234"], [:]] {
            let result = try await runProcess(Binaries.lacakd, ["--check", "--all", "--config", config], environment: TestConfig.environment.merging(environment) { $1 })
            let text = result.stdout + result.stderr
            #expect(text.contains("forged emergency"), "the message is shown: \(text)")
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                #expect(!line.hasPrefix("<0>"), "a forged journald line: \(line)")
                #expect(!line.hasPrefix("forged"), "the message started a line of its own: \(line)")
            }
            #expect(!text.unicodeScalars.contains("\u{1b}"), "an escape reached the terminal")
            #expect(!text.unicodeScalars.contains("\u{07}"))
        }
    }
}
