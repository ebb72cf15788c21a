public import ArgumentParser
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
public import Logging
import Foundation

/// `lacakd`: the shipment-tracking daemon and its one-shot tools.
@main
struct Lacakd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lacakd",
        abstract: "Tracks shipments with courier APIs and writes order updates into a shared directory.",
        discussion: """
            lacakd [run] --config FILE        run the daemon (SIGHUP reloads, SIGTERM stops)
            lacakd --check --config FILE      ingest, poll what is due, write the spool, print a summary
            lacakd validate --config FILE     check a configuration file (exit 0, or 78 when invalid)
            lacakd detect NUMBER…             which courier issued a tracking number
            lacakd unmatched --config FILE    courier texts no status rule reads, most frequent first
            lacakd tiktokshop authorize|shops set up TikTok Shop as an order source (tokens, shop cipher)
            """,
        subcommands: [RunCommand.self, ValidateCommand.self, DetectCommand.self, UnmatchedCommand.self, TikTokShopCommand.self]
    )

    @OptionGroup var common: CommonOptions

    @Flag(name: .long, help: "Run one tracking round and exit: ingest, poll due shipments, publish, print a summary.")
    var check = false

    @Flag(name: .long, help: "With --check: poll every shipment still being tracked, not only those due.")
    var all = false

    @Option(name: .long, help: "With --check and --tracking: the courier id, or a courier code such as jne, to look the number up with.")
    var courier: String?

    @Option(name: .long, help: "With --check and --courier: look one tracking number up without touching state.")
    var tracking: String?

    @Option(name: .long, help: "With --check: summary format, text or json.")
    var output: CheckRunner.OutputFormat = .text

    // The mode checks live in run(), not validate(): this command's options are parsed from
    // the whole command line, so `lacakd unmatched --courier jnt` reaches it too, and
    // `unmatched` reads them through @ParentCommand.
    func checkModeOptions() throws {
        if (courier == nil) != (tracking == nil) {
            throw ValidationError("--courier and --tracking go together")
        }
        if !check, all || courier != nil || output != .text {
            throw ValidationError("--all, --courier, --tracking and --output only apply with --check")
        }
    }

    func run() async throws {
        try checkModeOptions()
        guard check else {
            try await DaemonRunner.run(common)
            return
        }
        let logging = common.bootstrapLogging()
        let config = try common.loadConfig(logger: logging.logger)
        logging.redactor.replace(config.redactor)
        let runner = CheckRunner(config: config, logger: logging.logger, output: output)
        let code: ExitCode
        if let courier, let tracking {
            code = await runner.lookup(courierID: courier, trackingNumber: tracking)
        } else {
            code = await runner.run(all: all)
        }
        throw code
    }
}

/// Options every mode shares.
struct CommonOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "Path of the TOML configuration file.")
    var config: String = CommonOptions.defaultConfig

    @Option(name: .long, help: "Lowest log level written: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: "Log line format on standard error: text or json.")
    var logFormat: StderrLogHandler.Format = .text

    /// Installs the stderr log handler; returns the root logger and the shared redactor.
    func bootstrapLogging() -> (logger: Logger, redactor: RedactorBox) {
        // Past a file-size limit (RLIMIT_FSIZE) a write must fail with EFBIG, which lacak
        // handles like a full disk, instead of SIGXFSZ killing the process.
        signal(SIGXFSZ, SIG_IGN)
        let redactor = RedactorBox()
        let level = logLevel
        let format = logFormat
        let environment = ProcessInfo.processInfo.environment
        LoggingSystem.bootstrap { label in
            StderrLogHandler(label: label, level: level, format: format, redactor: redactor, environment: environment)
        }
        return (Logger(label: "lacakd"), redactor)
    }

    /// Loads the config, or exits 78 (EX_CONFIG) with the located error. With `optional`, a
    /// missing default config file gives an empty configuration (lacak's own data only).
    func loadConfig(logger: Logger, resolveSecrets: Bool = true, optional: Bool = false) throws -> LacakConfig {
        let loader = ConfigLoader(resolveSecrets: resolveSecrets)
        do {
            if optional, config == Self.defaultConfig, !FileManager.default.fileExists(atPath: config) {
                return try loader.load(text: "", path: FileManager.default.currentDirectoryPath + "/(no config)")
            }
            let loaded = try loader.load(path: config)
            for warning in loaded.warnings { logger.warning("\(warning)") }
            return loaded
        } catch {
            logger.error("\(error.description)")
            throw ExitCode(78)
        }
    }

    static let defaultConfig = "/etc/lacak/lacak.toml"
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension StderrLogHandler.Format: ExpressibleByArgument {}

