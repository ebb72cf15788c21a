import Foundation
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakStore
@testable import LacakConfig
@testable import LacakSpool
@testable import LacakDaemon

/// Config mistakes get a clear message naming the file, never a hang or a Cocoa error code.
@Suite struct ConfigHardeningTests {
    func validate(_ path: String, environment: [String: String] = TestConfig.environment) async throws -> ProcessResult {
        try await runProcess(Binaries.lacakd, ["validate", "--config", path], environment: environment, timeout: 20)
    }

    @Test func aDirectoryOrAFifoAsConfigIsNamedForWhatItIs() async throws {
        let directory = TestDirectory("config-kinds")
        let asDirectory = try await validate(directory.path)
        #expect(asDirectory.status == 78)
        #expect(asDirectory.stderr.contains("is a directory, not a config file"), "\(asDirectory.stderr)")
        #expect(!asDirectory.stderr.contains("NSCocoaErrorDomain"))
        #expect(mkfifo(directory.join("fifo.toml"), 0o600) == 0)
        let asFifo = try await validate(directory.join("fifo.toml"))
        #expect(asFifo.status == 78, "a FIFO as config must not hang lacakd")
        #expect(asFifo.stderr.contains("is not a regular file"), "\(asFifo.stderr)")
    }

    @Test func anOversizedConfigIsRefusedUnread() async throws {
        let directory = TestDirectory("config-size")
        let text = "[daemon]\n" + String(repeating: "# padding padding padding padding padding padding padding\n", count: 20_000)
        let path = try directory.write("big.toml", text)
        let result = try await validate(path)
        #expect(result.status == 78)
        #expect(result.stderr.contains("a config is at most 1048576"), "\(result.stderr)")
    }

    @Test func secretsThatAreEmptyTwoLinesOrOpenToEveryoneAreCalledSo() async throws {
        let directory = TestDirectory("config-secrets")
        func config(_ credential: String) throws -> String {
            try directory.write("lacak.toml", TestConfig.daemon(root: directory.path) + """
                [[courier]]
                id = "binderbyte"
                preset = "binderbyte"
                endpoint = "http://127.0.0.1:9"
                [courier.credentials]
                api_key = \(credential)
                """)
        }
        let empty = try await validate(try config(#"{ env = "LACAK_EMPTY_KEY" }"#), environment: ["LACAK_EMPTY_KEY": ""])
        #expect(empty.stderr.contains("environment variable LACAK_EMPTY_KEY is empty"), "\(empty.stderr)")
        let twoLines = try directory.write("two-lines.key", "first\nsecond\n")
        let doubled = try await validate(try config("{ file = \"\(twoLines)\" }"))
        #expect(doubled.status == 78)
        #expect(doubled.stderr.contains("holds more than one line"), "\(doubled.stderr)")
        let open = try directory.write("open.key", "abcdef\n")
        chmod(open, 0o644)
        let readable = try await validate(try config("{ file = \"\(open)\" }"))
        #expect(readable.status == 0, "\(readable.stderr)")
        #expect(readable.stderr.contains("is readable by every user; chmod 0600 it"), "\(readable.stderr)")
    }
}
