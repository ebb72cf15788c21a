import LacakConfig
import Logging
import LacakSupport
import LacakModel
import LacakCouriers
import LacakTransport

/// One courier's share of a poll: its shipments in batches (one courier code per batch, a
/// tracking number looked up once), worked by up to `max_in_flight` workers, each request
/// admitted by the courier's gate (rate limit, Retry-After, circuit), results handed to the
/// committer as they arrive.
struct CourierRound: Sendable {
    let courierID: CourierID
    let adapter: any CourierAdapter
    let gate: CourierGate
    let client: HTTPClient
    let router: CourierRouter
    /// Longest a request waits for admission within the round; longer waits defer the shipment.
    let maxAdmissionWait: Duration
    /// `retry_max`: no Retry-After from outside parks shipments for longer.
    let retryLimit: Double
    let logger: Logger

    /// Runs the courier's workers over `shipments` until they are done or `stop` is raised.
    func run(_ shipments: [DueShipment], sink: ResultSink, stop: StopToken) async {
        // Orders that share a tracking number are looked up once; a batch asks for one courier code.
        var byQuery: [TrackingQuery: [DueShipment]] = [:]
        var queriesByCode: [String: [TrackingQuery]] = [:]
        var codeOrder: [String] = []
        for shipment in shipments {
            let query = TrackingQuery(trackingNumber: shipment.trackingNumber, intakeCode: shipment.courierCode, courier: adapter.settings)
            if byQuery[query] == nil {
                let code = query.courierCode ?? ""
                if queriesByCode[code] == nil { codeOrder.append(code) }
                queriesByCode[code, default: []].append(query)
            }
            byQuery[query, default: []].append(shipment)
        }
        let batches = codeOrder.flatMap { code in
            queriesByCode[code, default: []].chunked(into: max(1, adapter.maxBatchSize)).map(Array.init)
        }
        let queue = WorkQueue(batches)
        let workers = min(adapter.settings.maxInFlight, batches.count)
        let byQueryCopy = byQuery
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while !stop.isRaised, let batch = queue.next() {
                        var outcome: BatchOutcome
                        switch await gate.admit(maxWait: maxAdmissionWait) {
                        case .deferred(let seconds):
                            // With another provider free, try again at once (through it).
                            var results: [TrackingNumber: TrackingOutcome] = [:]
                            for query in batch {
                                let elsewhere = (byQueryCopy[query] ?? []).contains { router.hasAlternative(to: courierID, for: $0) }
                                results[query.trackingNumber] = .deferred(seconds: elsewhere ? 1 : seconds)
                            }
                            outcome = BatchOutcome(results: results, requests: 0)
                        case .proceed(let wait):
                            if wait > .zero { await stop.sleep(for: wait) }
                            if stop.isRaised { return }
                            outcome = await adapter.track(batch, using: client)
                            for note in outcome.notes { logger.info("\(courierID): \(note)") }
                            if let asked = outcome.retryAfter {
                                // A wait from outside never exceeds retry_max: one courier's
                                // answer cannot park its shipments for years.
                                let seconds = min(asked, retryLimit)
                                outcome.retryAfter = seconds
                                await gate.pause(seconds: seconds)
                                if asked > retryLimit {
                                    logger.warning("\(courierID): courier asked to wait \(Int(asked))s (Retry-After); waiting retry_max, \(Int(retryLimit))s")
                                } else {
                                    logger.warning("\(courierID): courier asked to wait \(seconds)s (Retry-After)")
                                }
                            }
                            if let pause = await gate.record(failure: outcome.isCourierFailure) {
                                logger.warning("\(courierID): \(CourierGate.failureThreshold) failed requests in a row; pausing this courier for \(Int(pause))s")
                            }
                        }
                        stop.beat()
                        var items: [ResultSink.Item] = []
                        for query in batch {
                            var result = outcome.results[query.trackingNumber] ?? .failed(.badResponse("no result for this number"))
                            // Out of quota here but another provider is free: not a failure, ask there next.
                            if case .failed(.rateLimited) = result, (byQueryCopy[query] ?? []).contains(where: { router.hasAlternative(to: courierID, for: $0) }) {
                                result = .deferred(seconds: 1)
                            }
                            // A transfer aborted by shutdown says nothing about the shipment: it stays due.
                            if case .failed(.transport(.cancelled)) = result { continue }
                            for shipment in byQueryCopy[query] ?? [] {
                                items.append(ResultSink.Item(shipment: shipment, courierID: courierID, outcome: result, retryAfter: outcome.retryAfter))
                            }
                        }
                        if outcome.requests > 0, !items.isEmpty {
                            items[items.startIndex].requestCount = outcome.requests
                        }
                        await sink.add(items)
                    }
                }
            }
        }
    }
}

/// Hands out batches to a courier's workers, each exactly once.
final class WorkQueue: Sendable {
    private let state: LockBox<(items: [[TrackingQuery]], next: Int)>

    init(_ items: [[TrackingQuery]]) {
        state = LockBox((items, 0))
    }

    func next() -> [TrackingQuery]? {
        state.withLock { state in
            guard state.next < state.items.count else { return nil }
            defer { state.next += 1 }
            return state.items[state.next]
        }
    }
}
