import Foundation
package import LacakModel
package import LacakConfig
package import LacakCouriers
import LacakPipeline
import LacakTransport
import LacakSupport

/// One courier's file of the labelled corpus (`Tests/Corpus/<code>.json`): real scan texts with
/// the status a person reads in them, and real histories in order, each with its public source.
package struct CorpusFile: Decodable, Sendable {
    /// A labelled text.
    package struct Text: Decodable, Sendable {
        package var text: String
        package var status: String
        package var reason: String?
        package var source: String
        package var note: String?
    }

    /// A history as the courier wrote it, oldest first, and how it ended.
    package struct History: Decodable, Sendable {
        package struct Event: Decodable, Sendable {
            package var time: String?
            package var text: String
        }
        package var source: String
        package var events: [Event]
        package var final: String
        package var finalReason: String?

        enum CodingKeys: String, CodingKey {
            case source, events, final
            case finalReason = "final_reason"
        }
    }

    package var courier: String
    package var name: String
    package var sources: [String: String]
    package var texts: [Text]
    package var histories: [History]

    /// Every courier file in `directory`, by courier code.
    package static func load(directory: String) throws -> [CorpusFile] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            try JSONDecoder().decode(CorpusFile.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
        }
    }
}

/// How well one preset reads one courier's texts.
package struct CourierScore: Sendable {
    package var courier: String
    package var texts = 0
    package var right = 0
    /// Texts whose reason also matches (when the label has one).
    package var reasonsLabelled = 0
    package var reasonsRight = 0
    /// Misreads that tell someone something false or hide what they must know.
    package var dangerous: [String] = []
    package var wrong: [String] = []
    package var histories = 0
    package var historiesRight = 0
    package var historyFailures: [String] = []

    package var percent: Double { texts == 0 ? 100 : 100 * Double(right) / Double(texts) }
}

/// Scores a preset against the corpus the way a poll reads an answer: each text alone, as the
/// only event of an answer in the preset's own shape, through the adapter and the status fold.
package struct CorpusScorer: Sendable {
    package let preset: String
    package let adapter: any CourierAdapter
    package let served: Set<String>

    package init(preset: String, dataDirectory: String) throws {
        self.preset = preset
        let config = try Self.presetConfig(preset, dataDirectory: dataDirectory, id: "accuracy")
        adapter = try AdapterFactory.make(config.couriers[0], daemon: config.daemon)
        served = Set(config.couriers[0].codes)
    }

    /// A config of one courier using `preset` from `dataDirectory`, pointed nowhere, with an
    /// API key long enough that redacting it touches no courier text: for in-process runs of a
    /// preset's parsing path (accuracy, benchmarks).
    package static func presetConfig(_ preset: String, dataDirectory: String, id: String) throws -> LacakConfig {
        let directory = FileManager.default.temporaryDirectory.path
        let text = """
            [daemon]
            spool_dir = "\(directory)/lacak-\(id)-spool"
            state_dir = "\(directory)/lacak-\(id)-state"
            data_dir = "\(URL(fileURLWithPath: dataDirectory).standardizedFileURL.path)"
            [[courier]]
            id = "\(id)"
            preset = "\(preset)"
            endpoint = "http://127.0.0.1:9"
            [courier.credentials]
            api_key = { env = "LACAK_HARNESS_KEY" }
            """
        return try ConfigLoader(environment: ["LACAK_HARNESS_KEY": "harness-key-7f3a9c"], resolveSecrets: true).load(text: text, path: directory + "/lacak-\(id).toml")
    }

    /// An answer of the preset's API with one event (or several, oldest first), no
    /// shipment-level status, times an hour apart from `start`.
    package func answer(_ texts: [String], number: String, start: Int64 = 1_790_000_000) -> [UInt8] {
        let zone = ZoneRules(identifier: "Asia/Jakarta")!
        let times = texts.indices.map { Timestamp(seconds: start + Int64($0) * 3600).iso8601(in: zone) }
        func date(_ index: Int) -> String { String(times[index].prefix(10)) }
        func clock(_ index: Int) -> String { String(times[index].dropFirst(11).prefix(8)) }
        let document: JSONValue
        switch preset {
        case "rajaongkir", "komerce":
            let manifest = JSONValue.array(texts.indices.map { index in
                .fields(["manifest_date": .string(date(index)), "manifest_time": .string(clock(index)),
                         "manifest_description": .string(texts[index]), "city_name": .string("")])
            })
            let result = JSONValue.fields(["delivered": .bool(false), "summary": .fields(["waybill_number": .string(number)]), "manifest": manifest])
            document = preset == "rajaongkir"
                ? .fields(["rajaongkir": .fields(["status": .fields(["code": .integer(200)]), "result": result])])
                : .fields(["meta": .fields(["code": .integer(200)]), "data": result])
        default:
            let history = JSONValue.array(texts.indices.reversed().map { index in
                .fields(["date": .string(date(index) + " " + clock(index)), "desc": .string(texts[index]), "location": .string("")])
            })
            document = .fields(["status": .integer(200), "data": .fields(["summary": .fields(["awb": .string(number), "status": .string("")]), "history": history])])
        }
        return JSONWriter(pretty: false).bytes(document)
    }

    /// The status (and reason) lacak gives an answer holding `texts`, read as `courier`'s.
    package func read(_ texts: [String], courier: String) -> CarrierState? {
        let number: TrackingNumber = "LACAK0000001"
        let query = TrackingQuery(trackingNumber: number, courierCode: courier, vocabulary: courier)
        guard case .found(let report) = adapter.interpret(HTTPResponse(status: 200, body: answer(texts, number: number.rawValue)), for: [query]).results[number] else {
            return nil
        }
        return ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: report.events, evidence: report.evidence).state
    }

    /// Replays a history one scan per poll; the status after the last one.
    package func replay(_ texts: [String], courier: String) -> CarrierState {
        replaySteps(texts, courier: courier).last ?? CarrierState()
    }

    /// Replays a history one scan per poll, as the courier's answer grows: the status after
    /// each poll.
    package func replaySteps(_ texts: [String], courier: String) -> [CarrierState] {
        var state = CarrierState()
        var known: Set<String> = []
        var states: [CarrierState] = []
        for end in texts.indices {
            let number: TrackingNumber = "LACAK0000001"
            let query = TrackingQuery(trackingNumber: number, courierCode: courier, vocabulary: courier)
            if case .found(let report) = adapter.interpret(HTTPResponse(status: 200, body: answer(Array(texts[...end]), number: number.rawValue)), for: [query]).results[number] {
                let progress = ShipmentProgress(current: state, knownFingerprints: known, incoming: report.events, evidence: report.evidence)
                known.formUnion(progress.newEvents.map(\.fingerprint))
                state = progress.state
            }
            states.append(state)
        }
        return states
    }

    /// The notifications a shop's order would get as its shipment passes through `states`
    /// (Ready to Ship before the first scan), one poll each.
    package static func notifications(_ states: [CarrierState]) -> [NotificationKind] {
        var old = (carrier: CarrierStatus.pending, view: OrderView.derive(shop: .awaitingCollection, carrier: .pending, hasTracking: true))
        var kinds: [NotificationKind] = []
        for state in states {
            let new = (carrier: state.status, view: OrderView.derive(shop: .awaitingCollection, carrier: state.status, hasTracking: true))
            if new.carrier != old.carrier || new.view != old.view, let kind = NotificationKind.forChange(from: old, to: new) {
                kinds.append(kind)
            }
            old = new
        }
        return kinds
    }

    /// The states a history's hand labels give, one scan per poll, as a person reads them.
    package static func labelledSteps(_ statuses: [CarrierStatus?]) -> [CarrierState] {
        var state = CarrierState()
        var states: [CarrierState] = []
        for (index, status) in statuses.enumerated() {
            let event = TrackingEvent(time: Timestamp(seconds: 1_790_000_000 + Int64(index) * 3600), description: "scan \(index)", status: status)
            state = ShipmentProgress(current: state, knownFingerprints: [], incoming: [event]).state
            states.append(state)
        }
        return states
    }

    /// Whether reading `got` for a text labelled `label` is a dangerous miss: not delivered read
    /// as delivered, or a delivery, failed attempt, return or cancellation not seen.
    package static func isDangerous(label: String, got: String) -> Bool {
        if got == "delivered", label != "delivered" { return true }
        let returns: Set<String> = ["returning", "returned"]
        if returns.contains(label) { return !returns.contains(got) }
        return ["delivered", "failed_attempt", "cancelled"].contains(label) && got != label
    }

    package func score(_ file: CorpusFile) -> CourierScore {
        var score = CourierScore(courier: file.courier)
        for text in file.texts {
            score.texts += 1
            let state = read([text.text], courier: file.courier)
            let got = state?.status.rawValue ?? "unreadable"
            if got == text.status {
                score.right += 1
            } else {
                let line = "\(text.status) read as \(got): \(text.text)"
                if Self.isDangerous(label: text.status, got: got) { score.dangerous.append(line) } else { score.wrong.append(line) }
            }
            if let reason = text.reason {
                score.reasonsLabelled += 1
                if state?.reason?.rawValue == reason, got == text.status { score.reasonsRight += 1 }
            }
        }
        for history in file.histories {
            score.histories += 1
            let state = replay(history.events.map(\.text), courier: file.courier)
            if state.status.rawValue == history.final {
                score.historiesRight += 1
            } else {
                score.historyFailures.append("ends \(state.status.rawValue), not \(history.final): \(history.events.last?.text ?? "")")
            }
        }
        return score
    }
}

