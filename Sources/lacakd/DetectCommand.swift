import ArgumentParser
import Foundation
import LacakSupport
import LacakModel
import LacakTransport
import LacakStore
import LacakConfig
import LacakCouriers
import LacakSpool
import LacakIntake
import LacakPipeline
import LacakDaemon
import Logging

/// `lacakd detect NUMBER…`: which couriers a tracking number fits, and why.
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Tell which courier issued each tracking number (every candidate, with the reason).",
        discussion: "Uses lacak's own rules, and with --config also the configured rule directories and preferences. Exit 0 when every number fits exactly one courier (or a preference settles it), 1 otherwise."
    )

    @OptionGroup var common: CommonOptions

    @Argument(help: "Tracking numbers.")
    var numbers: [String]

    func run() async throws {
        let logging = common.bootstrapLogging()
        let config = try common.loadConfig(logger: logging.logger, resolveSecrets: false, optional: true)
        let updater = OrderUpdater(config: config)
        var settled = true
        for number in numbers {
            let (candidates, nearMisses) = config.detector.detect(number)
            let chosen = TrackingNumber(echoed: number).map(updater.detectCourier) ?? (code: nil, candidates: nil)
            var line = number + ": "
            if candidates.isEmpty {
                settled = false
                line += "no courier"
                if !nearMisses.isEmpty { line += " (" + nearMisses.map(\.description).joined(separator: "; ") + ")" }
            } else if let code = chosen.code {
                line += code.rawValue
                if candidates.count > 1 { line += " (chosen among several by configuration)" }
                line += "\n  " + candidates.map(\.description).joined(separator: "\n  ")
            } else {
                settled = false
                line += "ambiguous; an order would wait for its courier\n  " + candidates.map(\.description).joined(separator: "\n  ")
            }
            print(line)
        }
        if !settled { throw ExitCode.failure }
    }
}
