import LacakCouriers
import LacakSupport
import LacakModel
import LacakStore
import LacakSpool
import Logging

/// The single committer of a poll: applies results in one transaction per batch, so a crash
/// loses at most a batch that was never acknowledged, then publishes what the batch changed.
struct ResultCommitter: Sendable {
    let store: any StateStore
    let updater: OrderUpdater
    let health: StorageHealth
    let logger: Logger
    let clock: @Sendable () -> Timestamp
    let publish: @Sendable () async throws(SpoolError) -> Void

    struct Summary: Sendable {
        var tallies: [CourierID: CourierTally] = [:]
        var uncommitted = 0
        var errors: [String] = []
    }

    /// Takes results from `sink` until it is closed and drained.
    func run(from sink: ResultSink, stop: StopToken) async -> Summary {
        var summary = Summary()
        while let items = await sink.take(limit: 2000) {
            let now = clock()
            do {
                let effects = try await store.write("store tracking results") { transaction in
                    try items.map { item in
                        try updater.apply(item.outcome, to: item.shipment, polledBy: item.courierID, retryAfter: item.retryAfter, in: transaction, now: now, random: Double.random(in: 0..<1))
                    }
                }
                for (item, effect) in zip(items, effects) {
                    if let dispute = effect.dispute { logger.notice("\(item.courierID): \(dispute)") }
                    for unmatched in effect.newUnmatched {
                        logger.notice("\(item.courierID): no status rule reads this \(unmatched.courier) text (see lacakd unmatched): \(unmatched.text)")
                    }
                    var tally = summary.tallies[item.courierID] ?? CourierTally()
                    tally.polled += 1
                    tally.requests += item.requestCount
                    if effect.changed { tally.changed += 1 }
                    tally.notifications += effect.notifications
                    switch item.outcome {
                    case .found: break
                    case .notFound: tally.notFound += 1
                    case .failed(let error):
                        tally.failed += 1
                        tally.note(error.description)
                    case .deferred:
                        tally.deferred += 1
                    }
                    summary.tallies[item.courierID] = tally
                }
            } catch {
                // These shipments keep their due time and are polled again once state can be written.
                summary.uncommitted += items.count
                summary.errors.append(error.description)
                health.logFailure(.state, error.description, to: logger)
                continue
            }
            health.logWorked(.state, to: logger)
            stop.beat()
            CrashPoint.reached("poll.after-commit")
            do {
                try await publish()
            } catch {
                summary.errors.append(error.description)
            }
        }
        for (courierID, tally) in summary.tallies where tally.failed > 0 {
            logger.warning("\(courierID): \(tally.failed) of \(tally.polled) lookups failed: \(tally.errors.joined(separator: "; "))")
        }
        return summary
    }
}
