package import LacakSupport
package import LacakModel

/// The whole configuration file: daemon settings, couriers and notification text overrides.
package struct LacakConfig: Sendable {
    /// Path of the file it was read from, for messages.
    package var file: String
    package var daemon: DaemonSettings
    package var couriers: [CourierSettings]
    package var templates: TemplateOverrides
    package var detection: DetectionSettings
    /// How TikTok Shop's order exports are read.
    package var tiktokShop: TikTokShopSettings = TikTokShopSettings()
    /// Where orders are pulled from (`[[source]]`).
    package var sources: [SourceSettings] = []
    /// The tracking-number rules: lacak's own and the configured extra directories.
    package var detector: TrackingNumberDetector
    /// Things that work but should not be so (a secret file every user may read), for the log.
    package var warnings: [String] = []

    package init(file: String, daemon: DaemonSettings, couriers: [CourierSettings], templates: TemplateOverrides = TemplateOverrides(),
                detection: DetectionSettings = DetectionSettings(), detector: TrackingNumberDetector = TrackingNumberDetector()) {
        self.file = file
        self.daemon = daemon
        self.couriers = couriers
        self.templates = templates
        self.detection = detection
        self.detector = detector
    }

    /// The courier with this id.
    package func courier(id: String) -> CourierSettings? {
        couriers.first { $0.id == id }
    }
}

/// The raw file, as decoded; `ConfigLoader` turns it into `LacakConfig`.
struct ConfigFile: Decodable {
    var daemon: DaemonSettings
    var courier: [CourierSettings]
    var templates: TemplateOverrides
    var detection: DetectionSettings
    var tiktokShop: TikTokShopSettings
    var source: [SourceSettings]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case daemon, courier, templates, detection, source
        case tiktokShop = "tiktokshop"
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        daemon = try container.decodeIfPresent(DaemonSettings.self, forKey: .daemon) ?? DaemonSettings()
        courier = try container.decodeIfPresent([CourierSettings].self, forKey: .courier) ?? []
        templates = try container.decodeIfPresent(TemplateOverrides.self, forKey: .templates) ?? TemplateOverrides()
        detection = try container.decodeIfPresent(DetectionSettings.self, forKey: .detection) ?? DetectionSettings()
        tiktokShop = try container.decodeIfPresent(TikTokShopSettings.self, forKey: .tiktokShop) ?? TikTokShopSettings()
        source = try container.decodeIfPresent([SourceSettings].self, forKey: .source) ?? []
        var sourceIDs: Set<String> = []
        for (index, source) in source.enumerated() where !sourceIDs.insert(source.id).inserted {
            throw DecodingError.dataCorrupted(.init(
                codingPath: [CodingKeys.source, AnyCodingKey(intValue: index), SourceSettings.CodingKeys.id],
                debugDescription: "source id '\(source.id)' is used twice"))
        }
        var seen: Set<String> = []
        for (index, courier) in courier.enumerated() where !seen.insert(courier.id).inserted {
            throw DecodingError.dataCorrupted(.init(
                codingPath: [CodingKeys.courier, AnyCodingKey(intValue: index), CourierSettings.CodingKeys.id],
                debugDescription: "courier id '\(courier.id)' is used twice"))
        }
    }
}

/// The `[detection]` table: how orders without a courier get one from their tracking number.
package struct DetectionSettings: Sendable, Decodable {
    /// Whether lacak's own rules (Indonesian couriers, UPU S10) are used.
    package var builtinRules: Bool
    /// More directories of rule files in the tracking_number_data schema.
    package var ruleDirectories: [String]
    /// When a number fits several couriers, the first of these that is among them is taken;
    /// with none, the order is held until a record names its courier.
    package var prefer: [String]

    package init() {
        builtinRules = true
        ruleDirectories = []
        prefer = []
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case builtinRules = "builtin_rules"
        case ruleDirectories = "rule_dirs"
        case prefer
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        builtinRules = try container.decodeIfPresent(Bool.self, forKey: .builtinRules) ?? true
        ruleDirectories = try container.decodeIfPresent([String].self, forKey: .ruleDirectories) ?? []
        prefer = (try container.decodeIfPresent([String].self, forKey: .prefer) ?? []).map { $0.lowercased() }
    }

    /// The courier to take among `candidates`, when the preference list settles it.
    package func choose(among candidates: [String]) -> String? {
        if candidates.count == 1 { return candidates[0] }
        return prefer.first { candidates.contains($0) }
    }
}

/// The `[daemon]` table: where files go, time zone and language, and how often to poll.
package struct DaemonSettings: Sendable, Decodable {
    /// The shared directory other programs read (orders, notifications, incoming, rejected).
    package var spoolDirectory: String
    /// Where the SQLite state lives.
    package var stateDirectory: String
    /// The zone couriers' local times are read in and spool times are written in.
    package var timeZone: ZoneRules
    /// Language of notification texts.
    package var locale: NotificationLocale
    /// Who gets notifications; the other audience's notifications are not written.
    package var audiences: [Audience]
    package var pollIntervals: PollIntervals
    /// Random spread added to every interval, as a fraction of it (0.1 = ±10%).
    package var jitter: Double
    /// Waiting time after a failed poll; doubles with each failure up to `maxBackoff`.
    package var initialBackoff: ConfigDuration
    package var maxBackoff: ConfigDuration
    /// Intake files larger than this are rejected unread.
    package var maxIntakeFileBytes: ConfigByteSize
    /// A shipment with no new event for this long becomes `expired` ("Tracking Stalled").
    package var stallAfter: ConfigDuration
    /// An order Ready to Ship for longer than this gets a "Late Dispatch" alert for the seller.
    package var dispatchDeadline: ConfigDuration
    /// Most shipments one daemon round polls; a larger backlog is worked off in several rounds.
    package var roundSize: Int
    /// Most events kept per shipment; a courier answering with more keeps its newest.
    package var maxEvents: Int
    /// How long a stopping daemon lets requests in flight finish before it abandons them.
    package var shutdownTimeout: ConfigDuration
    /// How often the daemon scans `incoming/` even without a file-system event.
    package var intakeRescan: ConfigDuration
    /// Where courier presets (`couriers/`) and tracking-number rules (`tracking-numbers/`)
    /// are looked for, in order (filled by `ConfigLoader`).
    package var dataDirectories: [String] = []

    package init() {
        // The defaults are the systemd unit's: /srv/lacak/spool is the path it grants
        // (ReadWritePaths=), /var/lib/lacak its StateDirectory=.
        spoolDirectory = "/srv/lacak/spool"
        stateDirectory = "/var/lib/lacak"
        timeZone = ZoneRules(identifier: "Asia/Jakarta")!
        locale = .english
        audiences = Audience.allCases
        pollIntervals = PollIntervals()
        jitter = 0.1
        initialBackoff = .minutes(1)
        maxBackoff = .hours(1)
        maxIntakeFileBytes = ConfigByteSize(bytes: 64 << 20)
        stallAfter = ConfigDuration(seconds: 14 * 86400)
        dispatchDeadline = .hours(48)
        roundSize = 5000
        maxEvents = 1000
        shutdownTimeout = ConfigDuration(seconds: 20)
        intakeRescan = ConfigDuration(seconds: 30)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case spoolDirectory = "spool_dir"
        case stateDirectory = "state_dir"
        case timeZone = "time_zone"
        case locale, audiences
        case pollIntervals = "poll_interval"
        case jitter
        case initialBackoff = "retry_initial"
        case maxBackoff = "retry_max"
        case maxIntakeFileBytes = "max_intake_file_size"
        case stallAfter = "stall_after"
        case dispatchDeadline = "dispatch_deadline"
        case roundSize = "round_size"
        case maxEvents = "max_events"
        case shutdownTimeout = "shutdown_timeout"
        case intakeRescan = "intake_rescan"
        case dataDirectory = "data_dir"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        spoolDirectory = try container.decodeIfPresent(String.self, forKey: .spoolDirectory) ?? spoolDirectory
        stateDirectory = try container.decodeIfPresent(String.self, forKey: .stateDirectory) ?? stateDirectory
        guard !spoolDirectory.isEmpty else { throw container.invalid(.spoolDirectory, "must not be empty") }
        guard !stateDirectory.isEmpty else { throw container.invalid(.stateDirectory, "must not be empty") }
        if let zone = try container.decodeIfPresent(String.self, forKey: .timeZone) {
            guard let rules = ZoneRules(identifier: zone) else { throw container.invalid(.timeZone, "unknown time zone '\(zone)'") }
            timeZone = rules
        }
        if let text = try container.decodeIfPresent(String.self, forKey: .locale) {
            guard let value = NotificationLocale(rawValue: text) else {
                throw container.invalid(.locale, "unknown locale '\(text)'; use \(NotificationLocale.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or "))")
            }
            locale = value
        }
        if let names = try container.decodeIfPresent([String].self, forKey: .audiences) {
            audiences = try names.map { name in
                guard let audience = Audience(rawValue: name) else { throw container.invalid(.audiences, "unknown audience '\(name)'; use \"buyer\" or \"seller\"") }
                return audience
            }
        }
        pollIntervals = try container.decodeIfPresent(PollIntervals.self, forKey: .pollIntervals) ?? pollIntervals
        jitter = try container.decodeIfPresent(Double.self, forKey: .jitter) ?? jitter
        guard (0...0.5).contains(jitter) else { throw container.invalid(.jitter, "must be between 0 and 0.5") }
        initialBackoff = try container.duration(.initialBackoff, default: initialBackoff, in: ConfigRange.retryInitial)
        maxBackoff = try container.duration(.maxBackoff, default: maxBackoff, in: ConfigRange.retryMax)
        guard maxBackoff.seconds >= initialBackoff.seconds else { throw container.invalid(.maxBackoff, "must not be shorter than retry_initial") }
        maxIntakeFileBytes = try container.size(.maxIntakeFileBytes, default: maxIntakeFileBytes, in: ConfigRange.intakeFileSize)
        stallAfter = try container.duration(.stallAfter, default: stallAfter, in: ConfigRange.stallAfter)
        dispatchDeadline = try container.duration(.dispatchDeadline, default: dispatchDeadline, in: ConfigRange.dispatchDeadline)
        roundSize = try container.count(.roundSize, default: roundSize, in: 1...1_000_000)
        maxEvents = try container.count(.maxEvents, default: maxEvents, in: 10...100_000)
        shutdownTimeout = try container.duration(.shutdownTimeout, default: shutdownTimeout, in: ConfigRange.shutdownTimeout)
        intakeRescan = try container.duration(.intakeRescan, default: intakeRescan, in: ConfigRange.intakeRescan)
        // Read (and resolved) by ConfigLoader before decoding, as presets depend on it.
        _ = try container.decodeIfPresent(String.self, forKey: .dataDirectory)
    }
}

extension LacakConfig {
    /// A redactor hiding every secret and secret query parameter of every courier.
    package var redactor: Redactor {
        var secrets: [Secret] = []
        var parameters: [String] = []
        for courier in couriers {
            secrets += courier.secrets.values
            parameters += courier.secretParameters + courier.credentials.keys
        }
        return Redactor(secrets: secrets, parameterNames: parameters)
    }
}
