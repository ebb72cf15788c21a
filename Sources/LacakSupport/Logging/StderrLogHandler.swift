package import Logging
import Foundation

/// Log output on standard error, in the form its reader wants.
///
/// Under systemd (`JOURNAL_STREAM` set) lines carry a `<N>` priority prefix and no timestamp,
/// since journald adds its own; otherwise a timestamp and level lead; `json` writes one object
/// per line. Messages pass through a redactor so no secret can be logged.
package struct StderrLogHandler: LogHandler {
    /// How lines look.
    package enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    let label: String
    let format: Format
    let journald: Bool
    let redactor: RedactorBox

    package init(label: String, level: Logger.Level, format: Format, redactor: RedactorBox, environment: [String: String] = [:]) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.redactor = redactor
        self.journald = environment["JOURNAL_STREAM"] != nil
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let message = redactor.current.redact(event.message.description)
        let line: String
        switch format {
        case .json:
            var fields: [(key: String, value: JSONValue)] = [
                ("time", .string(Timestamp.now.iso8601(in: .utc))),
                ("level", .string(event.level.rawValue)),
                ("message", .string(message)),
            ]
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                fields.append((key, .string(redactor.current.redact("\(value)"))))
            }
            line = JSONWriter(pretty: false).string(.object(JSONObject(fields)))
        case .text:
            // Couriers' messages and file names reach log lines: no control character may
            // start a new journald line or drive a terminal.
            let message = TerminalText.escaped(message)
            let suffix = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(TerminalText.escaped(redactor.current.redact("\($0.value)")))" }.joined(separator: " ")
            if journald {
                line = "<\(Self.syslogPriority(event.level))>\(message)\(suffix)"
            } else {
                line = "\(Timestamp.now.iso8601(in: .utc)) \(event.level.rawValue.uppercased()) \(message)\(suffix)"
            }
        }
        StderrWriter.shared.write(line + "\n")
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}

/// The redactor all log handlers share; replaced when the config (and its secrets) change.
package final class RedactorBox: Sendable {
    private let value: LockBox<Redactor>

    package init(_ redactor: Redactor = Redactor()) {
        value = LockBox(redactor)
    }

    package var current: Redactor {
        value.withLock { $0 }
    }

    package func replace(_ redactor: Redactor) {
        value.withLock { $0 = redactor }
    }
}

/// Whole-line writes to standard error, so concurrent log lines never interleave.
final class StderrWriter: Sendable {
    static let shared = StderrWriter()
    // Counts the lines written. A LockBox of Void has no storage, and ThreadSanitizer then sees
    // the exclusive access to it at the object's address, outside the mutex: a false race.
    private let lock = LockBox(0)

    func write(_ text: String) {
        lock.withLock { lines in
            lines &+= 1
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let count = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
                if count <= 0 { if errno == EINTR { continue }; return }
                offset += count
            }
        }
    }
}
