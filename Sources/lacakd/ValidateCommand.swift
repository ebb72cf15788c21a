import ArgumentParser
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

/// `lacakd validate`: checks a configuration file without running anything.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a configuration file; exit 0 when valid, 78 when not."
    )

    @OptionGroup var common: CommonOptions

    @Flag(name: .long, help: "Do not read secrets (env variables, files, credentials); check only the file.")
    var skipSecrets = false

    func run() async throws {
        let logging = common.bootstrapLogging()
        let config = try common.loadConfig(logger: logging.logger, resolveSecrets: !skipSecrets)
        var problems: [String] = []
        for courier in config.couriers where courier.enabled {
            do {
                _ = try AdapterFactory.make(courier, daemon: config.daemon)
            } catch {
                problems.append("courier \(courier.id): \(error)")
            }
        }
        if !problems.isEmpty {
            for problem in problems { logging.logger.error("\(config.file): \(problem)") }
            throw ExitCode(78)
        }
        let enabled = config.couriers.filter(\.enabled).map(\.id)
        let sources = config.sources.isEmpty ? "" : "; \(config.sources.count) order source\(config.sources.count == 1 ? "" : "s"): " + config.sources.map { "\($0.id) (\($0.kind.rawValue))" }.joined(separator: ", ")
        print("\(config.file): OK (\(enabled.count) courier\(enabled.count == 1 ? "" : "s"): \(enabled.joined(separator: ", "))\(sources); spool \(config.daemon.spoolDirectory); state \(config.daemon.stateDirectory))")
    }
}
