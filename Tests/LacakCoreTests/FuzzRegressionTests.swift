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

/// The fuzz targets' inputs, replayed in the ordinary test run: every seed in `Fuzz/corpus/` and
/// every input that once crashed a target, kept (after its fix) in `Fuzz/regressions/`. Each goes
/// through the code its target exercises, and the answer must keep that code's promise.
@Suite struct FuzzRegressionTests {
    static let fuzzDirectory = Binaries.packageRoot + "/Fuzz"

    /// The seeds and regression inputs of a target.
    static func inputs(_ target: String) -> [(name: String, bytes: [UInt8])] {
        ["corpus", "regressions"].flatMap { kind -> [(name: String, bytes: [UInt8])] in
            let directory = fuzzDirectory + "/\(kind)/\(target)"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names.sorted().compactMap { name in
                FileManager.default.contents(atPath: directory + "/" + name).map { ("\(kind)/\(name)", Array($0)) }
            }
        }
    }

    static func adapter(courier body: String) throws -> any CourierAdapter {
        let directory = TestDirectory("fuzz-regression")
        let text = TestConfig.daemon(root: directory.path) + "\n[[courier]]\nid = \"fuzz\"\n" + body
        let config = try ConfigLoader(environment: ["LACAK_TEST_API_KEY": "test-key"]).load(text: text, path: directory.join("lacak.toml"))
        return try AdapterFactory.make(config.couriers[0], daemon: config.daemon)
    }

    static func preset(_ name: String) throws -> any CourierAdapter {
        try adapter(courier: "preset = \"\(name)\"\nendpoint = \"http://127.0.0.1:9\"\n[courier.credentials]\napi_key = { env = \"LACAK_TEST_API_KEY\" }\n")
    }

    @Test func everyTargetHasSeeds() {
        for target in ["FuzzConfig", "FuzzMapping", "FuzzSeventeenTrack", "FuzzAfterShip", "FuzzExecPlugin", "FuzzIntake", "FuzzDetect", "FuzzTime"] {
            #expect(Self.inputs(target).count >= 2, "\(target) has too few seeds")
        }
    }

    /// A config is loaded or rejected with an error that names the file; never a crash.
    @Test func configInputs() {
        let path = "/nonexistent/lacak-fuzz/lacak.toml"
        let loader = ConfigLoader(environment: ["LACAK_FUZZ_KEY": "fuzz-key"], resolveSecrets: false)
        for input in Self.inputs("FuzzConfig") {
            do {
                _ = try loader.load(text: String(decoding: input.bytes, as: UTF8.self), path: path)
            } catch {
                #expect(error.file.hasSuffix(".toml"), "\(input.name): \(error)")
            }
        }
    }

    /// Any answer body gives outcomes only for the asked numbers and, from adapters that read a
    /// whole batch, one for every asked number. (AfterShip's list answer leaves out numbers it
    /// does not hold; its adapter registers those next.)
    @Test(arguments: [("FuzzMapping", "binderbyte"), ("FuzzSeventeenTrack", "17track"), ("FuzzAfterShip", "aftership"), ("FuzzExecPlugin", "")])
    func answerInputs(target: String, preset: String) throws {
        let adapter = preset.isEmpty
            ? try Self.adapter(courier: "adapter = \"exec\"\ncommand = [\"/bin/true\"]\ncodes = [\"jne\"]\n")
            : try Self.preset(preset)
        let numbers: [TrackingNumber] = ["JX1234567890", "SC0000000001"]
        for input in Self.inputs(target) {
            for status in [200, 404, 429] {
                let outcome = adapter.interpret(HTTPResponse(status: status, body: input.bytes), for: numbers)
                #expect(Set(outcome.results.keys).isSubset(of: numbers), "\(target) \(input.name): \(outcome.results.keys)")
                for number in numbers where preset != "aftership" {
                    #expect(outcome.results[number] != nil, "\(target) \(input.name) HTTP \(status): no outcome for \(number)")
                }
            }
        }
    }

    /// Intake keeps only records whose order id would be a safe file name.
    @Test func intakeInputs() {
        var accepted = 0
        for input in Self.inputs("FuzzIntake") {
            for lines in [true, false] {
                let file = IntakeFile(bytes: input.bytes, lines: lines)
                for record in file.records {
                    #expect(Identifiers.orderIDProblem(record.record.orderID.rawValue) == nil, "\(input.name): \(record.record.orderID)")
                    accepted += 1
                }
            }
        }
        #expect(accepted > 0, "the intake seeds hold good records")
    }

    /// The seeds named `*-valid-*` are test numbers the shipped rules must recognise.
    @Test func detectionInputs() throws {
        let detector = try TrackingNumberDetector(directories: [TestConfig.dataDirectory + "/tracking-numbers"])
        for input in Self.inputs("FuzzDetect") {
            let result = detector.detect(String(decoding: input.bytes.prefix(4096), as: UTF8.self))
            if input.name.contains("-valid-") {
                #expect(!result.candidates.isEmpty, "\(input.name) was not recognised")
            }
        }
    }

    /// Extreme times through `Retry-After`, every time format and the timestamp arithmetic:
    /// no trap, and what comes out stays within the years 1 to 9999 (events: 1970 to 9999).
    @Test func timeInputs() throws {
        let zone = ZoneRules(identifier: "Asia/Jakarta")!
        let formats = try ["iso8601", "epoch", "epoch_ms", "yyyy-MM-dd HH:mm:ss", "d MMM HH:mm z"].map { try TimeFormat($0) }
        for input in Self.inputs("FuzzTime") {
            let text = String(decoding: input.bytes, as: UTF8.self)
            if let wait = RetryAfter.seconds(text) {
                #expect(wait >= 0 && wait <= RetryAfter.longest, "\(input.name)")
            }
            var values: [JSONValue] = [.string(text)]
            if let number = Double(text) { values.append(.double(number)) }
            if let number = Int64(text) { values.append(.integer(number)) }
            for format in formats {
                for value in values {
                    if let time = format.timestamp(from: value, zone: zone) {
                        #expect(Timestamp.eventRange.contains(time), "\(input.name) as \(format)")
                        #expect(time.iso8601(in: zone).first?.isNumber == true)
                    }
                }
            }
            if let number = Int64(text) {
                for time in [Timestamp(seconds: number), Timestamp(milliseconds: number), Timestamp.now.adding(seconds: Double(number))] {
                    #expect(time >= Timestamp.earliest && time <= Timestamp.latest)
                    #expect(time.iso8601(in: .utc).count >= 20)
                }
            }
        }
    }
}
