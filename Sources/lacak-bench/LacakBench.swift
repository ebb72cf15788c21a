import ArgumentParser
import Foundation
import LacakAccuracy
import LacakSupport
import LacakModel
import LacakTransport
import LacakStore
import LacakConfig
import LacakCouriers
import LacakSpool
import LacakIntake
import LacakPipeline

/// `lacak-bench`: lacak's measurements that run in-process: parsing speed (the default) and
/// status accuracy against the labelled corpus.
@main
struct LacakBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lacak-bench",
        abstract: "Measure lacak's response parsing, export reading, and status accuracy.",
        subcommands: [ParseCommand.self, AccuracyCommand.self, ExportCommand.self],
        defaultSubcommand: ParseCommand.self
    )
}

/// `lacak-bench parse`: events per second through a preset's parsing path (the same code the
/// daemon runs on every answer), beside Foundation's JSONSerialization reading the same body.
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Measure lacak's response parsing and normalising on a saved courier answer."
    )

    @Option(help: "Preset whose parsing path to run (binderbyte, rajaongkir, komerce, 17track, aftership, easypost).")
    var preset: String

    @Option(help: "File holding one answer of the preset's API.")
    var body: String

    @Option(help: "Tracking number the answer is about.")
    var number: String

    @Option(help: "Directory with couriers/ (the repository's config/).")
    var dataDir: String = "config"

    @Option(help: "lacak's courier code of the parcel, whose status vocabulary reads the events (as a poll does).")
    var courier: String = "jne"

    @Option(help: "How long to run each side, in seconds.")
    var seconds: Double = 2

    func run() throws {
        let config = try CorpusScorer.presetConfig(preset, dataDirectory: dataDir, id: "bench")
        let adapter = try AdapterFactory.make(config.couriers[0], daemon: config.daemon)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: body)))
        let response = HTTPResponse(status: 200, body: bytes)
        guard let trackingNumber = TrackingNumber(echoed: number) else { throw ValidationError("'\(number)' is not a tracking number") }

        // lacak: parse, map, classify, and fold into a shipment as a poll does.
        var events = 0
        var iterations = 0
        let started = Date()
        while Date().timeIntervalSince(started) < seconds {
            for _ in 0..<50 {
                guard case .found(let report) = adapter.interpret(response, for: [TrackingQuery(trackingNumber: trackingNumber, intakeCode: CourierCode(trusted: courier), courier: config.couriers[0])]).results[trackingNumber] else {
                    throw ValidationError("the body did not parse as a found shipment for \(number)")
                }
                let progress = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: report.events)
                events += progress.newEvents.count
            }
            iterations += 50
        }
        let lacakSeconds = Date().timeIntervalSince(started)
        let perIteration = events / max(1, iterations)

        // Reference: Foundation reading the same bytes into objects, nothing more.
        var referenceIterations = 0
        let data = Data(bytes)
        let referenceStarted = Date()
        while Date().timeIntervalSince(referenceStarted) < seconds {
            for _ in 0..<50 { _ = try JSONSerialization.jsonObject(with: data) }
            referenceIterations += 50
        }
        let referenceSeconds = Date().timeIntervalSince(referenceStarted)
        let lacakRate = Double(events) / lacakSeconds
        let referenceRate = Double(referenceIterations * perIteration) / referenceSeconds
        let result: [String: Any] = [
            "preset": preset, "events_per_answer": perIteration, "body_bytes": bytes.count,
            "lacak_events_per_second": Int(lacakRate), "reference_events_per_second": Int(referenceRate),
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
