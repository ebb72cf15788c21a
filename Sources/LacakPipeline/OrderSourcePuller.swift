import Foundation
package import Logging
package import LacakSupport
package import LacakModel
package import LacakTransport
package import LacakStore
package import LacakConfig
import LacakIntake
package import LacakTikTokShop

/// What one pull of one order source did.
package struct SourceReport: Sendable, Equatable {
    package var source: String
    package var pages = 0
    package var requests = 0
    package var orders = 0
    package var created = 0
    package var updated = 0
    package var notifications = 0
    package var rejected = 0
    package var tokenRefreshed = false
    /// Why the pull stopped early; its cursor stays where the last committed page left it.
    package var error: String?
    /// The source is paused (rate limit) for this many more seconds; the pull stopped there.
    package var deferredSeconds: Double?

    package init(source: String) {
        self.source = source
    }
}

/// Pulls one TikTok Shop shop's changed orders: Get Order List by update time, page by page,
/// each page's orders read whole through Get Order Detail, mapped, and committed **with the
/// cursor of the next page in the same transaction** — so a restart resumes at the page it
/// was on, losing and re-reading nothing. Tokens are refreshed before they expire (and once
/// when TikTok refuses one), kept in the state directory; requests are paced by the source's
/// own `CourierGate` (rate limit, 429 Retry-After, circuit).
package struct OrderSourcePuller: Sendable {
    package let settings: SourceSettings
    let api: TikTokShopAPI
    let mapping: APIOrderMapping
    let gate: CourierGate
    let tokenFile: TokenFile
    let client: HTTPClient
    let logger: Logger
    /// Longest one request waits for the gate before the pull stops and leaves the rest for later.
    let maxWait: Duration

    package init(settings: SourceSettings, stateDirectory: String, zone: ZoneRules, providers: [String: CourierCode], client: HTTPClient, logger: Logger,
                 gate: CourierGate? = nil, maxWait: Duration = .seconds(30), initialBackoff: Double = 60, maxBackoff: Double = 3600) {
        self.settings = settings
        api = TikTokShopAPI(settings: settings)
        mapping = APIOrderMapping(providers: providers, zone: zone)
        self.gate = gate ?? CourierGate(rate: settings.rateLimit, burst: settings.burst, initialBackoff: initialBackoff, maxBackoff: maxBackoff)
        tokenFile = TokenFile(stateDirectory: stateDirectory, sourceID: settings.id)
        self.client = client
        self.logger = logger
        self.maxWait = maxWait
    }

    private var configuredTokens: TokenSet {
        TokenSet(accessToken: settings.secrets["access_token"] ?? Secret(""), refreshToken: settings.secrets["refresh_token"] ?? Secret(""))
    }

    /// Why a step of the pull cannot go on.
    private enum Stop: Error {
        case failed(String)
        case deferred(Double)
        /// TikTok no longer takes the stored page token (it expired, or `page_size` changed).
        case pageTokenRefused
    }

    /// Each window starts this long before the last one ended: an update TikTok's search shows
    /// late is read by the next pull instead of lost (reading an order again changes nothing).
    static let overlapSeconds: Int64 = 60

    /// One pull: every order changed since the stored cursor, up to `now - settle`.
    package func pull(store: any StateStore, updater: OrderUpdater, now: @Sendable () -> Timestamp, stop: StopToken) async -> SourceReport {
        var report = SourceReport(source: settings.id)
        var tokens = tokenFile.load(configured: configuredTokens)
        do {
            if tokens.needsRefresh(now: now()) {
                tokens = try await refresh(tokens, report: &report)
            }
            let stored = try await store.read("read the cursor of source \(settings.id)") { [id = settings.id] in try $0.sourceCursor(id) }
            let start = now().milliseconds / 1000
            var cursor = stored.flatMap(PullCursor.init(text:)) ?? PullCursor(from: start - Int64(settings.lookback.seconds))
            if cursor.until == nil { cursor.until = start - Int64(settings.settle.seconds) }
            guard let until = cursor.until, until > cursor.from else { return report }
            var restarted = false
            while !stop.isRaised {
                let page: JSONValue
                do {
                    page = try await send({ api.search(from: cursor.from, until: until, pageToken: cursor.pageToken, accessToken: $0, now: now()) },
                                          tokens: &tokens, report: &report, stop: stop)
                } catch Stop.pageTokenRefused where !restarted {
                    // Read the window again from its start: orders read twice change nothing.
                    restarted = true
                    let fresh = PullCursor(from: cursor.from, until: until)
                    let at = now()
                    try await store.write("reset the cursor of source \(settings.id)") { [id = settings.id] in try $0.setSourceCursor(id, fresh.text, now: at) }
                    cursor = fresh
                    logger.warning("source \(settings.id): TikTok Shop refused the stored page token; reading the window again from its start")
                    continue
                }
                let ids = (page["orders"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
                var orders: [JSONValue] = []
                for batch in ids.chunked(into: TikTokShopAPI.detailBatch) {
                    let detail = try await send({ api.detail(Array(batch), accessToken: $0, now: now()) }, tokens: &tokens, report: &report, stop: stop)
                    let found = detail["orders"]?.arrayValue ?? []
                    // A page is committed whole or not at all: an order the detail left out
                    // would be skipped until it changed again.
                    let returned = Set(found.compactMap { $0["id"]?.stringValue })
                    guard Set(batch).isSubset(of: returned) else {
                        throw Stop.failed("source \(settings.id): Get Order Detail answered \(returned.count) of \(batch.count) orders; the page is read again next pull")
                    }
                    orders += found
                }
                var records: [IntakeRecord] = []
                for order in orders {
                    switch mapping.record(order) {
                    case .success(let record): records.append(record)
                    case .failure(let error):
                        report.rejected += 1
                        logger.warning("source \(settings.id): \(error.message); the order was skipped")
                    }
                }
                let next = page["next_page_token"]?.stringValue ?? ""
                guard next.isEmpty || next != cursor.pageToken else {
                    throw Stop.failed("source \(settings.id): TikTok Shop answered the same page token again; stopping this pull")
                }
                let advanced = next.isEmpty ? PullCursor(from: max(cursor.from, until - Self.overlapSeconds)) : PullCursor(from: cursor.from, until: until, pageToken: next)
                let at = now()
                let effects = try await store.write("store orders from source \(settings.id)") { [id = settings.id, records] transaction in
                    let effects = try records.map { try updater.apply($0, in: transaction, now: at) }
                    try transaction.setSourceCursor(id, advanced.text, now: at)
                    return effects
                }
                stop.beat()
                CrashPoint.reached("source.after-page")
                report.pages += 1
                report.orders += records.count
                report.created += effects.filter(\.created).count
                report.updated += effects.filter { $0.changed && !$0.created }.count
                report.notifications += effects.reduce(0) { $0 + $1.notifications }
                cursor = advanced
                if next.isEmpty { break }
            }
        } catch let stop as Stop {
            switch stop {
            case .failed(let message): report.error = message
            case .deferred(let seconds): report.deferredSeconds = seconds
            case .pageTokenRefused: report.error = "source \(settings.id): TikTok Shop refused the page token again; the window is read from its start next pull"
            }
        } catch {
            report.error = "\(error)"
        }
        return report
    }

    /// Sends one shop request (built with the current access token) through the gate; a
    /// refused token is refreshed once and the request sent again, a 429 pauses the gate.
    private func send(_ build: (Secret) -> HTTPRequest, tokens: inout TokenSet, report: inout SourceReport, stop: StopToken) async throws -> JSONValue {
        var refreshed = false
        var rateLimited = 0
        while true {
            try await admit(stop: stop)
            report.requests += 1
            let answer: Result<HTTPResponse, TransportError>
            do {
                answer = .success(try await client.send(build(tokens.accessToken)))
            } catch {
                answer = .failure(error)
            }
            // The daemon's watchdog sees a pull that makes progress, however long it runs.
            stop.beat()
            switch TikTokShopAPI.data(of: answer, redactor: redactor(tokens)) {
            case .success(let data):
                await gate.record(failure: false)
                return data
            case .failure(let failure):
                switch failure.kind {
                case .token where !refreshed:
                    refreshed = true
                    tokens = try await refresh(tokens, report: &report)
                case .rateLimited where rateLimited < 3:
                    rateLimited += 1
                    await gate.pause(seconds: min(failure.retryAfter ?? 1, RetryAfter.longest))
                case .pageToken:
                    throw Stop.pageTokenRefused
                default:
                    await gate.record(failure: true)
                    throw Stop.failed("source \(settings.id): \(failure.message)")
                }
            }
        }
    }

    private func admit(stop: StopToken) async throws {
        switch await gate.admit(maxWait: maxWait) {
        case .proceed(let wait):
            // A shutdown does not wait out the rate limit.
            if wait > .zero { await stop.sleep(for: wait) }
            if stop.isRaised { throw Stop.failed("source \(settings.id): stopped") }
        case .deferred(let seconds):
            throw Stop.deferred(seconds)
        }
    }

    /// Hides the configured secrets and the tokens in use (refreshed ones included).
    private func redactor(_ tokens: TokenSet) -> Redactor {
        api.redactor.merging(Redactor(secrets: [tokens.accessToken, tokens.refreshToken]))
    }

    /// Refresh Access Token, kept in the token file before it is used.
    private func refresh(_ tokens: TokenSet, report: inout SourceReport) async throws -> TokenSet {
        report.requests += 1
        let answer: Result<HTTPResponse, TransportError>
        do {
            answer = .success(try await client.send(api.refresh(tokens.refreshToken)))
        } catch {
            answer = .failure(error)
        }
        switch TikTokShopAPI.data(of: answer, redactor: redactor(tokens)) {
        case .success(let data):
            guard let fresh = TokenSet.refreshed(data) else { throw Stop.failed("source \(settings.id): the token refresh answered without tokens") }
            do {
                try tokenFile.save(fresh, configured: configuredTokens)
            } catch {
                throw Stop.failed("source \(settings.id): \(error)")
            }
            report.tokenRefreshed = true
            logger.info("source \(settings.id): access token refreshed (valid until \(fresh.accessExpires.map { Timestamp(seconds: $0).iso8601(in: .utc) } ?? "unknown"))")
            return fresh
        case .failure(let failure):
            throw Stop.failed("source \(settings.id): refreshing the access token failed: \(failure.message); authorize the app again and configure the new tokens")
        }
    }
}
