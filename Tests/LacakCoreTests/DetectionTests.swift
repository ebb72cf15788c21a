import Foundation
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakSpool
@testable import LacakPipeline

/// Tracking-number detection against the shared tracking_number_data corpus (loaded from
/// ../shared at test time) and against lacak's own Indonesian rules.
@Suite struct DetectionTests {
    /// The shared corpus lives beside the checkout (`../shared`); a checkout elsewhere on this
    /// workplace's machines still finds it at /work/shared.
    static let sharedDirectory: String = {
        let candidates = [Binaries.packageRoot + "/../shared/tracking_number_data/couriers", "/work/shared/tracking_number_data/couriers"]
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }()

    static var corpusAvailable: Bool { FileManager.default.fileExists(atPath: sharedDirectory) }
    static let ownDirectory = TestConfig.dataDirectory + "/tracking-numbers"

    /// Every test number in a rule directory: (file, courier code, format, number, valid?).
    static func testNumbers(in directory: String) throws -> [(file: String, courier: String, format: String, number: String, valid: Bool)] {
        var numbers: [(String, String, String, String, Bool)] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() where file.hasSuffix(".json") {
            let document = try JSONParser().parse(Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))))
            let courier = document["courier_code"]?.stringValue?.lowercased() ?? ""
            for format in document["tracking_numbers"]?.arrayValue ?? [] {
                let name = format["name"]?.stringValue ?? "?"
                for number in format["test_numbers"]?["valid"]?.arrayValue ?? [] { numbers.append((file, courier, name, number.stringValue ?? "", true)) }
                for number in format["test_numbers"]?["invalid"]?.arrayValue ?? [] { numbers.append((file, courier, name, number.stringValue ?? "", false)) }
            }
        }
        return numbers
    }

    static func check(directory: String) throws -> (checked: Int, failures: [String]) {
        let detector = try TrackingNumberDetector(directories: [directory])
        var failures: [String] = []
        let numbers = try testNumbers(in: directory)
        for entry in numbers {
            // Test numbers belong to one format: valid ones pass it (and so are detected as its
            // courier), invalid ones fail it (another format of the courier may still fit).
            let byFormat = detector.matchingFormats(entry.number).formats.filter { $0.courierCode == entry.courier && $0.rule == entry.format }
            let detected = detector.detect(entry.number).candidates.contains { $0.courierCode == entry.courier }
            if entry.valid {
                let ruleHasChecksum = detector.rules.contains { $0.courierCode == entry.courier && $0.name == entry.format && $0.checksum != nil }
                if byFormat.isEmpty || !detected {
                    failures.append("\(entry.file) \(entry.format): valid '\(entry.number)' not detected")
                } else if ruleHasChecksum, byFormat.first?.checksum == nil {
                    failures.append("\(entry.file) \(entry.format): valid '\(entry.number)' passed without its checksum")
                }
            } else if !byFormat.isEmpty {
                failures.append("\(entry.file) \(entry.format): invalid '\(entry.number)' passed as \(byFormat)")
            }
        }
        return (numbers.count, failures)
    }

    @Test(.enabled(if: corpusAvailable, "needs the shared tracking_number_data corpus in ../shared beside the checkout"))
    func detectsEverySharedCorpusNumberCorrectly() throws {
        let result = try Self.check(directory: Self.sharedDirectory)
        #expect(result.checked > 250, "the corpus has hundreds of test numbers; found \(result.checked)")
        #expect(result.failures.isEmpty, "\(result.failures.count) of \(result.checked): \(result.failures.prefix(20).joined(separator: "\n"))")
    }

    @Test func detectsTheIndonesianRulesOwnTestNumbers() throws {
        let result = try Self.check(directory: Self.ownDirectory)
        #expect(result.checked > 60)
        #expect(result.failures.isEmpty, "\(result.failures.joined(separator: "\n"))")
        let detector = try TrackingNumberDetector(directories: [Self.ownDirectory])
        #expect(Set(detector.courierCodes).isSuperset(of: ["jnt", "jne", "sicepat", "spx", "anteraja", "ninja", "lion", "ide", "pos", "s10"]))
    }

    @Test func listsEveryCandidateWithItsReason() throws {
        let detector = try TrackingNumberDetector(directories: [Self.ownDirectory])
        let jnt = detector.detect("jp 5075 1921 27")
        #expect(jnt.candidates.map(\.courierCode) == ["jnt"])
        // Twelve digits starting with 00: SiCepat's shape, and TIKI's.
        let ambiguous = detector.detect("005208225151").candidates
        #expect(Set(ambiguous.map(\.courierCode)) == ["sicepat", "tiki"])
        #expect(ambiguous.allSatisfy { $0.description.contains("no check digit") })
        // A verified check digit: Pos Indonesia's S10 item.
        let post = detector.detect("RR123456785ID")
        #expect(post.candidates.map(\.courierCode) == ["pos"])
        #expect(post.candidates.first?.checksum == "s10")
        let wrong = detector.detect("RR123456786ID")
        #expect(wrong.candidates.isEmpty)
        #expect(wrong.nearMisses.contains { $0.courierCode == "pos" && $0.reason.contains("check digit") })
        #expect(detector.detect("HELLO").candidates.isEmpty)
    }

    @Test func checksumAlgorithmsFollowTheSchema() throws {
        #expect(try Checksum(JSONParser().parse(#"{"name": "luhn"}"#)).verify(serial: "7992739871", checkDigit: "3"))
        #expect(try !Checksum(JSONParser().parse(#"{"name": "luhn"}"#)).verify(serial: "7992739871", checkDigit: "4"))
        #expect(try Checksum(JSONParser().parse(#"{"name": "mod7"}"#)).verify(serial: "123456789012345678901234567", checkDigit: String(Int("123456789012345678901234567".reduce(0) { ($0 * 10 + Int(String($1))!) % 7 }))))
        #expect(try Checksum(JSONParser().parse(#"{"name": "s10"}"#)).verify(serial: "12345678", checkDigit: "5"))
    }

    @Test func badRuleFilesAreErrorsNamingTheFile() throws {
        let directory = TestDirectory()
        try directory.write("bad-regex.json", #"{"name": "X", "courier_code": "x", "tracking_numbers": [{"name": "x", "regex": "(?<SerialNumber>[0-9", "validation": {}}]}"#)
        #expect {
            try TrackingNumberDetector(files: [directory.join("bad-regex.json")])
        } throws: { error in
            let text = "\(error)"
            return text.contains("bad-regex.json") && text.contains("not a valid regular expression")
        }
        try directory.write("bad-checksum.json", #"{"name": "X", "courier_code": "x", "tracking_numbers": [{"name": "x", "regex": "[0-9]+", "validation": {"checksum": {"name": "mod99"}}}]}"#)
        #expect {
            try TrackingNumberDetector(files: [directory.join("bad-checksum.json")])
        } throws: { error in
            let text = "\(error)"
            return text.contains("bad-checksum.json") && text.contains("unknown checksum 'mod99'")
        }
    }
}
