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

/// `lacakd --check`: one full tracking round, then a summary per courier.
struct CheckRunner {
    /// How the summary is printed.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    let config: LacakConfig
    let logger: Logger
    let output: OutputFormat

    /// Ingest, poll, publish; exit 0 when every courier answered, 1 when some failed.
    func run(all: Bool) async -> ExitCode {
        // Beside a running daemon whose database is gone, a --check would start a second,
        // empty one: refuse, the daemon stops on its own.
        let database = (config.daemon.stateDirectory as NSString).appendingPathComponent("state.sqlite")
        if !FileManager.default.fileExists(atPath: database), DaemonLock.isHeld(stateDirectory: config.daemon.stateDirectory) {
            logger.error("state: \(database) is gone while a lacakd run holds \(config.daemon.stateDirectory); not creating a second database")
            return .failure
        }
        let client = HTTPClient()
        defer { client.shutdown() }
        let pipeline: TrackingPipeline
        do {
            pipeline = try TrackingPipeline(config: config, client: client, logger: logger)
        } catch {
            logger.error("\(error.description)")
            return .failure
        }
        var spoolErrors: [String] = []
        do {
            try await pipeline.recover()
            await pipeline.reassignCouriers()
            // Deliver what a previous run committed but could not publish.
            try await pipeline.publish()
        } catch {
            spoolErrors.append("\(error)")
        }
        // Orders from the sources first, so their packages are polled in this same run.
        let sources = await pipeline.pullSources(force: true)
        let intake = await pipeline.ingest()
        await pipeline.raiseDueAlerts()
        let poll = await pipeline.pollDue(all: all)
        do {
            try pipeline.store.verifyFile()
        } catch {
            logger.error("\(error.description)")
            return .failure
        }
        do {
            try await pipeline.publish()
        } catch {
            spoolErrors.append(error.description)
        }
        let pending = (try? pipeline.store.readNow("count") { try ($0.activeShipmentCount(), $0.pendingOutboxCount()) }) ?? (0, 0)
        switch output {
        case .text:
            printText(sources: sources, intake: intake, poll: poll, pending: pending)
        case .json:
            printJSON(sources: sources, intake: intake, poll: poll, pending: pending)
        }
        for error in spoolErrors { logger.error("\(error)") }
        let sourcesOK = sources.allSatisfy { $0.error == nil && $0.deferredSeconds == nil }
        let ok = poll.allAnswered && intake.errors.isEmpty && spoolErrors.isEmpty && poll.unassigned == 0 && sourcesOK
        return ok ? .success : .failure
    }

    /// Looks one number up and prints its normalised events; state is not touched.
    func lookup(courierID: String, trackingNumber: String) async -> ExitCode {
        let number: TrackingNumber
        do {
            number = try TrackingNumber(normalizing: trackingNumber)
        } catch {
            logger.error("\(error.message)")
            return ExitCode(64)
        }
        guard let code = CourierCode(rawValue: courierID.lowercased()), let courier = CourierDirectory(couriers: config.couriers).resolve(code) else {
            logger.error("no enabled courier with id or code '\(courierID)' in \(config.file)")
            return ExitCode(64)
        }
        let client = HTTPClient()
        defer { client.shutdown() }
        let adapter: any CourierAdapter
        do {
            adapter = try AdapterFactory.make(courier, daemon: config.daemon)
        } catch {
            logger.error("\(error.description)")
            return .failure
        }
        let query = TrackingQuery(trackingNumber: number, intakeCode: code, courier: courier)
        let outcome = await adapter.track([query], using: client).results[number] ?? .failed(.badResponse("no result"))
        let zone = config.daemon.timeZone
        switch outcome {
        case .found(let report):
            let progress = ShipmentProgress(current: CarrierState(), knownFingerprints: [], incoming: report.events, evidence: report.evidence, now: .now)
            print("\(courier.id) \(number): \(progress.state.status.rawValue)\(progress.state.reason.map { " (\($0))" } ?? "")\(report.service.map { ", service \(TerminalText.escaped($0))" } ?? ""), \(progress.newEvents.count) event(s)")
            if let evidence = report.evidence {
                let meaning = evidence.status.map { " (\($0.rawValue))" } ?? ""
                print("  shipment status: \(TerminalText.escaped(evidence.text ?? "-"))\(meaning)\(progress.disputed ? "; disagrees with the events, delivered is not final yet" : "")")
            }
            for event in progress.newEvents {
                let status = (event.status?.rawValue ?? "-").padding(toLength: 21, withPad: " ", startingAt: 0)
                let location = event.location.map { "  [\(TerminalText.escaped($0))]" } ?? ""
                print("  \(event.time.iso8601(in: zone))  \(status) \(TerminalText.escaped(event.description))\(location)")
            }
            if report.skippedEvents > 0 { print("  (\(report.skippedEvents) event(s) skipped: unreadable time)") }
            return .success
        case .notFound(let message):
            print("\(courier.id) \(number): not found\(message.map { " (\(TerminalText.escaped($0)))" } ?? "")")
            return .success
        case .failed(let error):
            print("\(courier.id) \(number): failed: \(TerminalText.escaped(error.description))")
            return .failure
        case .deferred(let seconds):
            print("\(courier.id) \(number): not asked, courier paused for \(Int(seconds))s")
            return .failure
        }
    }

    private func printText(sources: [SourceReport], intake: IntakeReport, poll: PollReport, pending: (active: Int, outbox: Int)) {
        for source in sources {
            var line = "source \(source.source): \(source.orders) order(s) in \(source.pages) page(s) (\(source.created) new, \(source.updated) updated), \(source.requests) request(s)"
            if source.tokenRefreshed { line += ", access token refreshed" }
            if source.rejected > 0 { line += ", \(source.rejected) order(s) skipped" }
            if let seconds = source.deferredSeconds { line += "; paused by the rate limit for \(Int(seconds.rounded(.up)))s, the rest next pull" }
            if let error = source.error { line += "; stopped: \(TerminalText.escaped(error))" }
            print(line)
        }
        let header = ["courier", "polled", "changed", "not_found", "failed", "requests"]
        var rows: [[String]] = []
        for (id, tally) in poll.couriers.sorted(by: { $0.key < $1.key }) {
            rows.append([id, "\(tally.polled)", "\(tally.changed)", "\(tally.notFound)", "\(tally.failed)", "\(tally.requests)"])
        }
        rows.append(["total", "\(poll.polled)", "\(poll.changed)", "\(poll.couriers.values.reduce(0) { $0 + $1.notFound })", "\(poll.failed)", "\(poll.couriers.values.reduce(0) { $0 + $1.requests })"])
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        print("intake: \(intake.files) file(s), \(intake.accepted) order record(s) accepted (\(intake.created) new, \(intake.updated) updated), \(intake.rejected) rejected\(intake.deferred > 0 ? ", \(intake.deferred) file(s) still being written" : "")")
        print(line(header))
        for row in rows { print(line(row)) }
        for (id, tally) in poll.couriers.sorted(by: { $0.key < $1.key }) where !tally.errors.isEmpty {
            print("\(id): \(TerminalText.escaped(tally.errors.joined(separator: "; ")))")
        }
        if poll.unassigned > 0 { print("unassigned: \(poll.unassigned) shipment(s) have no configured courier") }
        let notified = sources.reduce(0) { $0 + $1.notifications } + intake.notifications + poll.couriers.values.reduce(0) { $0 + $1.notifications }
        print(String(format: "took %.2fs; %d notification(s) written; %d shipment(s) still tracked; %d notification(s) waiting", poll.seconds, notified, pending.active, pending.outbox))
    }

    private func printJSON(sources: [SourceReport], intake: IntakeReport, poll: PollReport, pending: (active: Int, outbox: Int)) {
        var sourceFields: [(key: String, value: JSONValue)] = []
        for source in sources {
            var fields: [(key: String, value: JSONValue)] = [
                ("pages", .integer(Int64(source.pages))), ("orders", .integer(Int64(source.orders))), ("created", .integer(Int64(source.created))),
                ("updated", .integer(Int64(source.updated))), ("rejected", .integer(Int64(source.rejected))), ("requests", .integer(Int64(source.requests))),
                ("token_refreshed", .bool(source.tokenRefreshed)),
            ]
            if let error = source.error { fields.append(("error", .string(error))) }
            if let seconds = source.deferredSeconds { fields.append(("deferred_seconds", .double(seconds))) }
            sourceFields.append((source.source, .object(JSONObject(fields))))
        }
        var couriers: [(key: String, value: JSONValue)] = []
        for (id, tally) in poll.couriers.sorted(by: { $0.key < $1.key }) {
            couriers.append((id, .fields([
                "polled": .integer(Int64(tally.polled)), "changed": .integer(Int64(tally.changed)),
                "not_found": .integer(Int64(tally.notFound)), "failed": .integer(Int64(tally.failed)),
                "requests": .integer(Int64(tally.requests)), "notifications": .integer(Int64(tally.notifications)),
                "errors": .array(tally.errors.map(JSONValue.string)),
            ])))
        }
        let document = JSONValue.fields([
            "sources": .object(JSONObject(sourceFields)),
            "intake": .fields([
                "files": .integer(Int64(intake.files)), "accepted": .integer(Int64(intake.accepted)),
                "rejected": .integer(Int64(intake.rejected)), "created": .integer(Int64(intake.created)),
                "updated": .integer(Int64(intake.updated)), "deferred": .integer(Int64(intake.deferred)),
            ]),
            "couriers": .object(JSONObject(couriers)),
            "unassigned": .integer(Int64(poll.unassigned)),
            "seconds": .double((poll.seconds * 1000).rounded() / 1000),
            "active_shipments": .integer(Int64(pending.active)),
            "pending_notifications": .integer(Int64(pending.outbox)),
        ])
        print(JSONWriter().string(document), terminator: "")
    }
}
