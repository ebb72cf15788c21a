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

/// `lacakd unmatched`: the event texts no status rule reads, most frequent first, so a seller
/// sees which wordings to add a rule for.
struct UnmatchedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmatched",
        abstract: "List courier event texts that no status rule classifies, most frequent first.",
        discussion: "Reads the state directory of --config directly, so it works with or without the daemon. Texts are counted per courier code, folded (case, digits as #, bracketed names as […]); each row shows one text as the courier wrote it and a tracking number it was seen on.\n\n  --courier CODE    only this courier code (jnt, sicepat…)\n  --output FORMAT   text (default) or json"
    )

    @OptionGroup var common: CommonOptions

    /// `--courier CODE` (only this courier code) and `--output text|json` are lacakd's own
    /// options, read from it: they share their names with `--check`'s.
    @ParentCommand var root: Lacakd

    @Option(name: .long, help: "At most this many rows.")
    var limit: Int = 100

    var courier: String? { root.courier }
    var output: CheckRunner.OutputFormat { root.output }

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
        if root.check || root.all || root.tracking != nil {
            throw ValidationError("--check, --all and --tracking do not apply to unmatched")
        }
    }

    func run() async throws {
        let logging = common.bootstrapLogging()
        let config = try common.loadConfig(logger: logging.logger, resolveSecrets: false)
        let rows: [UnmatchedText]
        let database = (config.daemon.stateDirectory as NSString).appendingPathComponent("state.sqlite")
        guard FileManager.default.fileExists(atPath: database) else {
            logging.logger.error("no state at \(database): nothing has been tracked with \(config.file) yet")
            throw ExitCode.failure
        }
        do {
            let store = try SQLiteStateStore(directory: config.daemon.stateDirectory)
            rows = try store.readNow("list unmatched texts") { try $0.unmatchedTexts(courier: courier?.lowercased(), limit: limit) }
        } catch {
            logging.logger.error("\(error.description)")
            throw ExitCode.failure
        }
        let zone = config.daemon.timeZone
        switch output {
        case .json:
            let document = JSONValue.array(rows.map { row in
                .fields([
                    "courier": .string(row.courier), "count": .integer(Int64(row.count)), "text": .string(row.example),
                    "normalized": .string(row.normalized), "tracking_number": .string(row.trackingNumber),
                    "provider": .optionalString(row.provider),
                    "first_seen": .string(row.firstSeen.iso8601(in: zone)), "last_seen": .string(row.lastSeen.iso8601(in: zone)),
                ])
            })
            print(JSONWriter().string(document), terminator: "")
        case .text:
            if rows.isEmpty {
                print("no unmatched texts\(courier.map { " for \($0)" } ?? "") in \(config.daemon.stateDirectory)")
                return
            }
            print("count  courier   last seen         example number    text")
            for row in rows {
                let count = String(row.count).leftPadded(to: 5)
                let code = row.courier.padding(toLength: 9, withPad: " ", startingAt: 0)
                let seen = String(row.lastSeen.iso8601(in: zone).prefix(16)).replacingOccurrences(of: "T", with: " ")
                let number = row.trackingNumber.padding(toLength: 16, withPad: " ", startingAt: 0)
                print("\(count)  \(code) \(seen)  \(number)  \(TerminalText.escaped(row.example))")
            }
            print("\(rows.count) wording(s); add a [[courier.status_rule]] for the ones that matter (README, \"Adding a status rule\")")
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
