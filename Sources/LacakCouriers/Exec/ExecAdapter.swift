import Foundation
package import LacakSupport
import LacakModel
package import LacakTransport
package import LacakConfig

/// `adapter = "exec"`: a courier integration as a program in any language.
///
/// lacak writes the batch to the program's stdin as JSON and reads normalised results from
/// its stdout (the protocol is in the README). The program gets a clean environment (its
/// secrets as `LACAK_SECRET_<NAME>`), a timeout and an output cap; its stderr goes to the log.
/// A plugin that crashes, hangs or answers nonsense fails its batch and nothing else.
package struct ExecAdapter: CourierAdapter {
    package let settings: CourierSettings
    let zone: ZoneRules
    let rules: StatusRuleSet
    let redactor: Redactor

    package init(settings: CourierSettings, defaultZone: ZoneRules) {
        self.settings = settings
        self.zone = settings.zone(default: defaultZone)
        self.rules = StatusRuleSet(settings.statusRules)
        self.redactor = Redactor(secrets: Array(settings.secrets.values), parameterNames: settings.secretParameters)
    }

    package var maxBatchSize: Int { settings.batchSize }

    /// The environment the plugin sees: nothing of lacak's own but a PATH and the locale.
    var environment: [String: String] {
        var environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LACAK_COURIER_ID": settings.id]
        if let endpoint = settings.endpoint { environment["LACAK_ENDPOINT"] = endpoint }
        for (name, secret) in settings.secrets { environment["LACAK_SECRET_" + name.uppercased()] = secret.value }
        return environment
    }

    package func track(_ queries: [TrackingQuery], using client: HTTPClient) async -> BatchOutcome {
        guard !queries.isEmpty else { return BatchOutcome(results: [:], requests: 0) }
        let input = JSONWriter(pretty: false).bytes(.fields([
            "protocol": .integer(1),
            "courier": .string(settings.id),
            "queries": .array(queries.map { query in
                .fields(["tracking_number": .string(query.trackingNumber.rawValue), "courier_code": .optionalString(query.courierCode)])
            }),
        ]))
        let process = PluginProcess(command: settings.command, environment: environment,
                                    timeout: settings.timeout.seconds, maxOutputBytes: settings.maxResponseBytes.bytes)
        let outcome: PluginProcess.Outcome
        do {
            outcome = try await offload { () throws(CourierError) -> PluginProcess.Outcome in try process.run(input: input) }
        } catch {
            return .failed(queries, error)
        }
        var result = interpret(outcome, for: queries)
        let errorText = String(decoding: outcome.stderr, as: UTF8.self)
        result.notes = errorText.split(separator: "\n").prefix(20).map { "plugin stderr: " + redactor.redact(String($0)) }
        return result
    }

    /// Reads a plugin's stdout as if the run had ended well.
    package func interpret(_ response: HTTPResponse, for queries: [TrackingQuery]) -> BatchOutcome {
        interpret(PluginProcess.Outcome(status: 0, signal: nil, stdout: response.body, stderr: [], timedOut: false, outputTooLarge: false), for: queries)
    }

    /// Reads a finished run into outcomes; pure, so tests call it directly.
    func interpret(_ run: PluginProcess.Outcome, for queries: [TrackingQuery]) -> BatchOutcome {
        // The plugin's words enter lacak here, redacted once (it knows the secrets).
        var run = run
        run.stdout = redactor.redact(bytes: run.stdout)
        run.stderr = redactor.redact(bytes: run.stderr)
        let numbers = queries.map(\.trackingNumber)
        let vocabulary = queries.first?.vocabulary
        let program = (settings.command.first as NSString?)?.lastPathComponent ?? "plugin"
        if run.timedOut { return .failed(queries, .adapter("\(program) did not finish within \(settings.timeout)")) }
        if run.outputTooLarge { return .failed(queries, .adapter("\(program) wrote more than \(settings.maxResponseBytes) on stdout")) }
        if let signal = run.signal { return .failed(queries, .adapter("\(program) was killed by signal \(signal)")) }
        if let status = run.status, status != 0 {
            let tail = String(decoding: run.stderr.suffix(200), as: UTF8.self).trimmingWhitespace()
            return .failed(queries, .adapter("\(program) exited with status \(status)" + (tail.isEmpty ? "" : ": \(redactor.redact(tail))")))
        }
        let document: JSONValue
        do {
            let parsed = try JSONParser().parse(run.stdout)
            document = redactor.hasShortSecrets ? redactor.redact(json: parsed) : parsed
        } catch {
            return .failed(queries, .badResponse("\(program) did not write JSON: \(error)"))
        }
        guard let entries = document["results"]?.arrayValue else {
            return .failed(queries, .badResponse("\(program) wrote no \"results\" list"))
        }
        let wanted = Set(numbers)
        var results: [TrackingNumber: TrackingOutcome] = [:]
        for entry in entries {
            guard let raw = entry["tracking_number"]?.scalarText, let number = TrackingNumber(echoed: raw),
                  wanted.contains(number), results[number] == nil
            else { continue }
            results[number] = readResult(entry, vocabulary: vocabulary)
        }
        for number in numbers where results[number] == nil {
            results[number] = .failed(.badResponse("\(program) gave no result for this number"))
        }
        return BatchOutcome(results: results)
    }

    private func readResult(_ entry: JSONValue, vocabulary: String?) -> TrackingOutcome {
        let message = entry["message"]?.scalarText.map(redactor.redact)
        switch entry["outcome"]?.stringValue {
        case "not_found":
            return .notFound(message: message)
        case "error":
            return .failed(.adapter(message ?? "the plugin reported an error"))
        case "found":
            break
        default:
            return .failed(.badResponse("outcome must be \"found\", \"not_found\" or \"error\""))
        }
        var events: [TrackingEvent] = []
        for raw in entry["events"]?.arrayValue ?? [] {
            guard let timeValue = raw["time"],
                  let time = TimeFormat.iso8601.timestamp(from: timeValue, zone: zone) ?? TimeFormat.epochSeconds.timestamp(from: timeValue, zone: zone)
            else { return .failed(.badResponse("an event has no readable \"time\" (ISO 8601 or epoch seconds)")) }
            let description = raw["description"]?.scalarText?.trimmingWhitespace() ?? ""
            let code = raw["code"]?.scalarText
            var status: CarrierStatus?
            var reason: StatusReason?
            if let name = raw["status"]?.stringValue {
                guard let value = CarrierStatus(rawValue: name) else { return .failed(.badResponse("unknown status \"\(name)\"")) }
                status = value
                reason = raw["reason"]?.stringValue.flatMap(StatusReason.init(validating:))
            } else if let classified = rules.classify(code: code, description: description, courier: vocabulary) {
                status = classified.status
                reason = classified.reason
            }
            let location = raw["location"]?.scalarText?.trimmingWhitespace()
            events.append(TrackingEvent(time: time, description: description, code: code,
                                        location: location?.isEmpty == true ? nil : location, status: status, reason: reason))
        }
        return .found(TrackingReport(events: events, service: entry["service"]?.scalarText))
    }
}
