import Foundation
import LacakAccuracy
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

/// lacak's judgement against the labelled corpus of real scan texts (Tests/Corpus): every
/// aggregator preset reads every courier it serves at 95% or better, with no dangerous miss, and
/// every real history ends where a person says it ends, with the notifications a person would send.
@Suite struct StatusAccuracyTests {
    static let corpusDirectory = Binaries.packageRoot + "/Tests/Corpus"
    static let couriers: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: corpusDirectory)) ?? [])
        .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    static let presets = ["binderbyte", "rajaongkir", "komerce"]

    static func file(_ courier: String) throws -> CorpusFile {
        try JSONDecoder().decode(CorpusFile.self, from: Data(contentsOf: URL(fileURLWithPath: corpusDirectory + "/\(courier).json")))
    }

    @Test func theCorpusCoversTheCouriersLacakNames() {
        for code in ["jnt", "jne", "sicepat", "anteraja", "ninja", "pos", "lion", "wahana", "spx", "ide", "tiki", "jnt_cargo"] {
            #expect(Self.couriers.contains(code), "no corpus file for \(code)")
        }
    }

    @Test(arguments: couriers) func everyTextIsLabelledAndSourced(courier: String) throws {
        let file = try Self.file(courier)
        #expect(file.courier == courier)
        #expect(!file.texts.isEmpty)
        for text in file.texts {
            #expect(CarrierStatus(rawValue: text.status) != nil, "\(text.status): not a carrier status (\(text.text))")
            #expect(text.reason.map { StatusReason(validating: $0) != nil } ?? true, "bad reason \(text.reason ?? "")")
            #expect(file.sources[text.source] != nil, "\(text.text): source \(text.source) is not listed")
        }
        let labelled = Set(file.texts.map { UnmatchedTextFolding.fold($0.text) })
        for history in file.histories {
            #expect(file.sources[history.source] != nil)
            for event in history.events {
                #expect(labelled.contains(UnmatchedTextFolding.fold(event.text)), "history text without a label: \(event.text)")
            }
        }
    }

    @Test(arguments: presets) func everyPresetReadsItsCouriersAt95Percent(preset: String) throws {
        let scorer = try CorpusScorer(preset: preset, dataDirectory: TestConfig.dataDirectory)
        var scored = 0
        for courier in Self.couriers where scorer.served.contains(courier) {
            let score = scorer.score(try Self.file(courier))
            scored += 1
            #expect(score.percent >= 95, "\(preset) reads \(courier) at \(Int(score.percent))%: \(score.wrong + score.dangerous)")
            #expect(score.dangerous.isEmpty, "\(preset) \(courier) dangerous misses: \(score.dangerous)")
            #expect(score.historyFailures.isEmpty, "\(preset) \(courier): \(score.historyFailures)")
        }
        #expect(scored >= 5, "\(preset) serves too few corpus couriers: \(scored)")
    }

    /// One test per courier: each real history, one scan per poll, ends on the labelled status
    /// and gives the same notifications as the hand labels would.
    @Test(arguments: couriers) func realHistoriesEndRightWithTheRightNotifications(courier: String) throws {
        let file = try Self.file(courier)
        let scorer = try CorpusScorer(preset: "binderbyte", dataDirectory: TestConfig.dataDirectory)
        let labels = Dictionary(file.texts.map { (UnmatchedTextFolding.fold($0.text), CarrierStatus(rawValue: $0.status)) }, uniquingKeysWith: { first, _ in first })
        for history in file.histories {
            let texts = history.events.map(\.text)
            let states = scorer.replaySteps(texts, courier: courier)
            #expect(states.last?.status.rawValue == history.final, "\(courier) history from \(history.source) ends \(states.last?.status.rawValue ?? "-")")
            let expected = CorpusScorer.notifications(CorpusScorer.labelledSteps(texts.map { labels[UnmatchedTextFolding.fold($0)] ?? nil }))
            let got = CorpusScorer.notifications(states)
            #expect(got == expected, "\(courier) history from \(history.source): notifications \(got.map(\.rawValue)), a person would send \(expected.map(\.rawValue))")
            #expect(got.filter { $0 == .orderDelivered }.count == (history.final == "delivered" ? 1 : 0))
            #expect(!got.contains(.deliveryCorrected), "a real history needs no correction: \(got.map(\.rawValue))")
        }
    }

    @Test func theIssuesMisreadsAreReadRight() throws {
        let scorer = try CorpusScorer(preset: "binderbyte", dataDirectory: TestConfig.dataDirectory)
        let cases: [(String, String, CarrierStatus, StatusReason?)] = [
            ("jnt", "Paket telah diterima oleh SUKOMANUNGGAL", .inTransit, .pickedUp),
            ("jnt", "Paket telah diterima", .delivered, nil),
            ("anteraja", "Parcel sudah diterima oleh SATRIA.", .inTransit, .pickedUp),
            ("pos", "Barang P2411250181724 anda telah melewati proses DeliveryRunsheet oleh Satriya JayaTetuko di DC SUKOLILO 6090C dan diterima oleh Satriya Jaya Tetuko (560004210)", .outForDelivery, nil),
            ("ninja", "Delivered, Received by Customer", .delivered, nil),
            ("jnt", "Paket Gagal dikirim", .failedAttempt, nil),
            ("ninja", "Delivery Exception, Max Attempts Reached", .failedAttempt, nil),
            ("jnt", "Paket akan diretur", .returning, nil),
            ("ninja", "Returned to Sender", .returned, nil),
            ("jnt", "ORDER IS CANCELLED.", .cancelled, nil),
            ("jnt", "Expired AWB", .cancelled, nil),
            ("jnt", "Pickup Failed", .exception, .failedPickup),
            ("ninja", "Pending Pickup", .infoReceived, nil),
            ("anteraja", "Pickup sudah di-request oleh shipper, dan SATRIA akan pickup parcel Senin 8 Agustus 2022 sekitar jam 14:00 - 16:00.", .infoReceived, nil),
            ("jnt", "Paket disimpan di gudang J&T", .exception, .held),
            ("jne", "SHIPMENT IS BEING HELD.DID NOT PASS X-RAY SCANNING", .exception, .held),
            ("sicepat", "PAKET TELAH DI TERIMA DI SURABAYA [SURABAYA SORTATION TRANSIT]", .inTransit, nil),
            ("sicepat", "PAKET KELUAR DARI BANDUNG [BANDUNG MAJALAYA]", .inTransit, nil),
            ("jne", "SHIPMENT FORWARDED TO DESTINATION [BEKASI, HUB JATIASIH 4]", .inTransit, nil),
            ("sicepat", "PAKET DIBAWA [SIGESIT - HENDRIK KURNIAWAN \t]", .outForDelivery, nil),
            ("ninja", "On Vehicle for Delivery", .outForDelivery, nil),
            ("sicepat", "Paket di kembalikan di Lebak [Lebak Malingping Selatan COD] - (CU) Cnee Unknown", .failedAttempt, .addressIssue),
        ]
        for (courier, text, status, reason) in cases {
            let state = scorer.read([text], courier: courier)
            #expect(state?.status == status, "\(courier) \(text)")
            #expect(state?.reason == reason, "\(courier) \(text)")
        }
    }

    @Test func rulesAreScopedToTheirCouriers() throws {
        let jnt = try StatusRule(pattern: "diterima oleh", status: .inTransit, reason: .pickedUp, couriers: ["jnt"])
        let sicepat = try StatusRule(pattern: "diterima oleh", status: .delivered, couriers: ["sicepat"])
        let shared = try StatusRule(pattern: "retur", status: .returning)
        let set = StatusRuleSet([jnt, sicepat, shared])
        #expect(set.classify(code: nil, description: "Paket telah diterima oleh SUKOMANUNGGAL", courier: "jnt")?.status == .inTransit)
        #expect(set.classify(code: nil, description: "PAKET DITERIMA OLEH [IBU MIRA]", courier: "sicepat")?.status == .delivered)
        #expect(set.classify(code: nil, description: "diterima oleh X", courier: "jne") == nil, "a courier no rule names gets only unscoped rules")
        #expect(set.classify(code: nil, description: "diterima oleh X") == nil)
        #expect(set.classify(code: nil, description: "Paket akan diretur", courier: "jne")?.status == .returning)
        // Whitespace runs and line breaks are one space to every pattern.
        #expect(set.classify(code: nil, description: "Paket telah  diterima\r\noleh X", courier: "jnt")?.status == .inTransit)
    }

    @Test func aBrokenVocabularyIsLocatedInItsFile() throws {
        let directory = TestDirectory("vocabulary")
        try directory.write("data/couriers/vocabulary/kurirku.toml", """
            couriers = ["kurirku"]

            [[status_rule]]
            match = "terkirim"
            status = "delivered"

            [[status_rule]]
            match = "dikirim (ke"
            status = "in_transit"
            """)
        let config = """
            [daemon]
            spool_dir = "\(directory.path)/spool"
            state_dir = "\(directory.path)/state"
            data_dir = "\(directory.path)/data"

            [[courier]]
            id = "kurirku"
            adapter = "exec"
            command = ["/bin/true"]
            vocabularies = ["kurirku"]
            """
        do {
            _ = try ConfigLoader(environment: [:]).load(text: config, path: directory.join("lacak.toml"))
            Issue.record("a broken vocabulary was accepted")
        } catch {
            #expect(error.file.hasSuffix("couriers/vocabulary/kurirku.toml"), "\(error)")
            #expect(error.line == 8, "\(error)")
            #expect(error.keyPath == "status_rule[1].match", "\(error)")
        }
        try directory.write("data/couriers/vocabulary/kurirku.toml", "couriers = [\"kurirku\"]\n[[status_rule]]\nmatch = \"terkirim\"\nstatus = \"delivered\"\n")
        let loaded = try ConfigLoader(environment: [:]).load(text: config, path: directory.join("lacak.toml"))
        #expect(loaded.couriers[0].statusRules.count == 1)
        #expect(loaded.couriers[0].statusRules[0].couriers == ["kurirku"], "a vocabulary's rules take its couriers")
    }

    /// The literal prefilter in front of ICU never turns a match into a miss: every pattern of
    /// every vocabulary, on every corpus text, answers as the regular expression alone does.
    @Test func thePrefilterAgreesWithTheRegexEngine() throws {
        let directory = TestConfig.dataDirectory + "/couriers/vocabulary"
        var patterns: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".toml") {
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("match = '") {
                patterns.append(String(line.dropFirst(9).dropLast()))
            }
        }
        #expect(patterns.count > 150)
        let texts = try Self.couriers.flatMap { try Self.file($0).texts.map(\.text) }
        var compared = 0
        for pattern in patterns {
            let compiled = try CompiledPattern(pattern)
            let regex = try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
            for text in texts {
                let folded = FoldedText(text)
                let range = NSRange(folded.original.startIndex..<folded.original.endIndex, in: folded.original)
                let expected = regex.firstMatch(in: folded.original, options: [], range: range) != nil
                #expect(compiled.matches(folded) == expected, "\(pattern) on \(text)")
                compared += 1
            }
        }
        #expect(compared > 50_000)
    }
}
