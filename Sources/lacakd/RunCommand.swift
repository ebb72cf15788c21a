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
import ServiceLifecycle
import UnixSignals

/// `lacakd run` (also `lacakd` with no subcommand): the long-running daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the tracking daemon until SIGTERM or SIGINT; SIGHUP reloads the configuration."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await DaemonRunner.run(common)
    }
}

/// Starts the daemon under swift-service-lifecycle, which turns SIGTERM and SIGINT into a
/// graceful shutdown.
enum DaemonRunner {
    static func run(_ common: CommonOptions) async throws {
        let logging = common.bootstrapLogging()
        let config = try common.loadConfig(logger: logging.logger)
        // One daemon per state directory: two would poll every shipment twice, at twice the
        // couriers' rate limits. (`lacakd --check` beside it stays allowed.)
        let ownership: DaemonLock
        do {
            ownership = try DaemonLock(stateDirectory: config.daemon.stateDirectory)
        } catch {
            logging.logger.error("\(error.description)")
            throw ExitCode.failure
        }
        defer { withExtendedLifetime(ownership) {} }
        let client = HTTPClient()
        defer { client.shutdown() }
        let redactor = logging.redactor
        let daemon = Daemon(configPath: common.config, config: config, client: client, logger: logging.logger) { config in
            redactor.replace(config.redactor)
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: daemon)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logging.logger
        ))
        do {
            try await group.run()
        } catch {
            logging.logger.critical("\(error)")
            throw ExitCode.failure
        }
    }
}
