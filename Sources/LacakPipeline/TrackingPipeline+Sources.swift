import Logging
package import LacakSupport
import LacakStore
import LacakConfig

extension TrackingPipeline {
    /// Whether any order source is configured.
    package var hasSources: Bool { !sources.isEmpty }

    /// The shortest pull interval of the sources: how often the daemon looks whether one is due.
    package var sourceCheckInterval: Double? {
        sources.map(\.settings.interval.seconds).min()
    }

    /// Pulls every source whose interval has passed since its last pull (every source when
    /// `force`, as `--check` does), one after another, then publishes what they changed.
    package func pullSources(force: Bool = false, stop: StopToken = StopToken()) async -> [SourceReport] {
        var reports: [SourceReport] = []
        for source in sources where !stop.isRaised {
            let now = clock()
            let last = lastPulls.withLock { $0[source.settings.id] }
            if !force, let last, now.milliseconds - last.milliseconds < Int64(source.settings.interval.seconds * 1000) - 500 { continue }
            lastPulls.withLock { $0[source.settings.id] = now }
            let report = await source.pull(store: store, updater: updater, now: clock, stop: stop)
            if let error = report.error { logger.warning("\(error)") }
            reports.append(report)
        }
        if reports.contains(where: { $0.pages > 0 }) {
            do {
                try await publish()
            } catch {
                health.logFailure(.spool, "\(error)", to: logger)
            }
        }
        return reports
    }
}
