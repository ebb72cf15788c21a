import Foundation
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakSpool
@testable import LacakDaemon

/// Intake written by someone who means harm, or by a broken program, run through
/// `lacakd --check` as a child process: bad records and files are rejected with a reason, the
/// good records are kept, the process never crashes, and no file appears outside the spool.
@Suite(.serialized) struct HostileInputTests {
    /// The spool sits two levels down, so that `../` and `../../` escapes have somewhere to
    /// land that the test can watch.
    let directory = TestDirectory("hostile")
    var root: String { directory.join("a/b") }

    func config(port: Int) throws -> String {
        try directory.write("a/b/lacak.toml", TestConfig.binderbyte(port: port, root: root, extraDaemon: #"max_intake_file_size = "2MiB""#))
    }

    /// Every file under the test directory, relative to it.
    func allFiles() -> [String] {
        let base = directory.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var files: [String] = []
        while let path = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(path)
            }
        }
        return files.sorted()
    }

    func drop(_ name: String, _ bytes: [UInt8]) throws {
        let path = root + "/spool/incoming/" + name
        try FileManager.default.createDirectory(atPath: root + "/spool/incoming", withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw TestFailure("cannot write \(path)") }
    }

    @Test func hostileRecordsAreRejectedAndNothingEscapesTheSpool() async throws {
        let sim = try CourierSimProcess(speed: 36_000, scenarios: ["JX50001": "delivered"])
        let configPath = try config(port: sim.port)
        let huge = String(repeating: "9", count: 1 << 20)
        var lines: [String] = [
            #"{"order_id": "GOOD-1", "tracking_number": "JX50001", "courier": "jne"}"#,
            #"{"order_id": "../../escaped", "tracking_number": "JX50002", "courier": "jne"}"#,
            #"{"order_id": "..", "tracking_number": "JX50003", "courier": "jne"}"#,
            #"{"order_id": "x/../../escaped2", "tracking_number": "JX50004", "courier": "jne"}"#,
            #"{"order_id": "/etc/passwd", "tracking_number": "JX50005", "courier": "jne"}"#,
            #"{"order_id": "nul\u0000byte", "tracking_number": "JX50006", "courier": "jne"}"#,
            #"{"order_id": "I-1", "tracking_number": "JX1?api_key=stolen", "courier": "jne"}"#,
            #"{"order_id": "I-2", "tracking_number": "JX1#fragment", "courier": "jne"}"#,
            #"{"order_id": "I-3", "tracking_number": "JX1&courier=evil", "courier": "jne"}"#,
            #"{"order_id": "I-4", "tracking_number": "JX1\r\nX-Injected: 1", "courier": "jne"}"#,
            #"{"order_id": "I-5", "tracking_number": "JX1\u0000", "courier": "jne"}"#,
            #"{"order_id": "I-6", "tracking_number": "JX50007", "courier": "../jne"}"#,
            #"{"order_id": "\#(huge)", "tracking_number": "JX50008", "courier": "jne"}"#,
            #"{"order_id": "L-1", "tracking_number": "\#(huge.prefix(100_000))", "courier": "jne"}"#,
            #"{"order_id": "N-1", "meta": \#(String(repeating: "[", count: 5000))\#(String(repeating: "]", count: 5000))}"#,
            #"{"order_id": "GOOD-2", "tracking_number": "jx 500 09", "courier": "JNE", "meta": {"note": "../../etc \r\n <script>"}}"#,
        ]
        lines = lines.filter { $0.utf8.count < 200_000 }  // the 1 MiB one goes in its own file below
        var bytes = Array(lines.joined(separator: "\n").utf8) + [0x0A]
        // A record with bytes that are not UTF-8.
        bytes += Array(#"{"order_id": "U-"#.utf8) + [0xFF, 0xFE, 0xC3] + Array(#"", "tracking_number": "JX50010"}"#.utf8) + [0x0A]
        try drop("mixed.jsonl", bytes)
        try drop("huge-id.jsonl", Array(#"{"order_id": "\#(huge)"}"#.utf8) + [0x0A])
        try drop("binary.json", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) })
        try drop("nested.json", Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8))
        try drop("nested-object.json", Array((String(repeating: #"{"a":"#, count: 20_000) + "1" + String(repeating: "}", count: 20_000)).utf8))
        try drop("empty.json", [])
        try drop("too-big.jsonl", Array(repeating: 0x20, count: 3 << 20))

        let result = try await runProcess(Binaries.lacakd, ["--check", "--config", configPath], environment: TestConfig.environment)
        #expect(result.status == 0 || result.status == 1, "exit \(result.status) (a crash is a signal): \(result.stderr.suffix(2000))")
        #expect(!result.stderr.contains("Fatal error"))

        // The good records are kept.
        let statuses = try SpoolAudit.carrierStatuses(root: root)
        #expect(Set(statuses.keys) == ["GOOD-1", "GOOD-2"], "\(statuses.keys.sorted())")
        // Every bad file is in rejected/ with its reasons; nothing is left unread.
        let rejected = FileManager.default.directoryContents(root + "/spool/rejected")
        for name in ["mixed.jsonl", "huge-id.jsonl", "binary.json", "nested.json", "nested-object.json", "too-big.jsonl"] {
            #expect(rejected.contains(name) && rejected.contains(name + ".error"), "\(name) not rejected: \(rejected)")
        }
        let reasons = try String(contentsOfFile: root + "/spool/rejected/mixed.jsonl.error", encoding: .utf8)
        for expected in ["order_id cannot start with '.'", "order_id may only contain", "tracking_number may only contain", "not a courier code", "nesting deeper than 64 levels", "must be 5-40 characters", "line 16: "] {
            #expect(reasons.contains(expected), "no '\(expected)' in:\n\(reasons)")
        }
        #expect(try String(contentsOfFile: root + "/spool/rejected/nested.json.error", encoding: .utf8).contains("nested"))
        #expect(try String(contentsOfFile: root + "/spool/rejected/huge-id.jsonl.error", encoding: .utf8).contains("longer than"))
        #expect(try String(contentsOfFile: root + "/spool/rejected/too-big.jsonl.error", encoding: .utf8).contains("max_intake_file_size"))
        #expect(FileManager.default.directoryContents(root + "/spool/incoming").allSatisfy { $0 == "empty.json" })

        // No file anywhere but the spool, the state and the config.
        let outside = allFiles().filter { !$0.hasPrefix("a/b/spool/") && !$0.hasPrefix("a/b/state/") && $0 != "a/b/lacak.toml" }
        #expect(outside.isEmpty, "files outside the spool: \(outside)")
        let snapshots = FileManager.default.directoryContents(root + "/spool/orders")
        #expect(snapshots == ["GOOD-1.json", "GOOD-2.json"])
        #expect(try SpoolAudit.problems(root: root) == [])
    }
}

extension FileManager {
    /// The names in a directory, sorted; empty when it cannot be read.
    func directoryContents(_ path: String) -> [String] {
        ((try? contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}
