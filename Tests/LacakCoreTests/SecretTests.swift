import Foundation
import Testing
@testable import LacakCore

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
}
