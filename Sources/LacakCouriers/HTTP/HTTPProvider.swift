package import LacakModel
package import LacakTransport

/// A courier API spoken over HTTP, as two pure functions: the requests that look up a batch,
/// and what an answer means. `track` (below) sends them; it is the only place an HTTP
/// provider does I/O, so each provider is tested and benchmarked without a network.
///
/// An answer may ask for further requests before some numbers have an outcome: 17TRACK and
/// AfterShip only know numbers registered with them first.
package protocol HTTPProvider: CourierAdapter {
    /// The requests that look up `queries` (at most `maxBatchSize`).
    func requests(for queries: [TrackingQuery]) throws(CourierError) -> [ProviderRequest]

    /// Reads the answer to `request`: a response as received (not yet redacted), or why the
    /// transfer failed.
    func parse(_ answer: Result<HTTPResponse, TransportError>, for request: ProviderRequest) -> ProviderReading
}

/// One request of a provider, with the numbers it is about.
package struct ProviderRequest: Sendable {
    package var http: HTTPRequest
    package var queries: [TrackingQuery]
    /// Which of the provider's calls this is, so `parse` knows how to read its answer.
    package var step: Step

    /// A provider's calls: looking numbers up, registering the ones it does not know, and
    /// looking those up again.
    package enum Step: Sendable, Equatable {
        case track
        case register
        case trackRegistered
    }

    package init(http: HTTPRequest, queries: [TrackingQuery], step: Step = .track) {
        self.http = http
        self.queries = queries
        self.step = step
    }
}

/// What a provider made of one answer.
package struct ProviderReading: Sendable {
    package var results: [TrackingNumber: TrackingOutcome]
    /// Seconds the API asked us to wait (`Retry-After`).
    package var retryAfter: Double?
    /// Requests to send before the numbers they are about have an outcome.
    package var next: [ProviderRequest]

    package init(results: [TrackingNumber: TrackingOutcome] = [:], retryAfter: Double? = nil, next: [ProviderRequest] = []) {
        self.results = results
        self.retryAfter = retryAfter
        self.next = next
    }

    /// The same error for every number of `request`.
    package static func failed(_ request: ProviderRequest, _ error: CourierError) -> ProviderReading {
        let batch = BatchOutcome.failed(request.queries, error)
        return ProviderReading(results: batch.results, retryAfter: batch.retryAfter)
    }
}

extension HTTPProvider {
    /// At most this many rounds of follow-up requests per batch, so an API that keeps asking
    /// for more cannot hold a worker forever.
    static var maxSteps: Int { 3 }

    /// Sends the provider's requests and those its answers ask for, and collects every
    /// number's outcome.
    package func track(_ queries: [TrackingQuery], using client: HTTPClient) async -> BatchOutcome {
        guard !queries.isEmpty else { return BatchOutcome(results: [:], requests: 0) }
        var pending: [ProviderRequest]
        do {
            pending = try requests(for: queries)
        } catch {
            return .failed(queries, error, requests: 0)
        }
        var results: [TrackingNumber: TrackingOutcome] = [:]
        var retryAfter: Double?
        var sent = 0
        var step = 0
        while !pending.isEmpty, step < Self.maxSteps {
            step += 1
            var next: [ProviderRequest] = []
            for request in pending {
                sent += 1
                let answer: Result<HTTPResponse, TransportError>
                do {
                    answer = .success(try await client.send(request.http))
                } catch {
                    answer = .failure(error)
                }
                let reading = parse(answer, for: request)
                results.merge(reading.results) { _, newer in newer }
                if let seconds = reading.retryAfter { retryAfter = max(retryAfter ?? 0, seconds) }
                next += reading.next
            }
            pending = next
        }
        for query in queries where results[query.trackingNumber] == nil {
            results[query.trackingNumber] = .failed(.badResponse("tracking number missing from the response"))
        }
        return BatchOutcome(results: results, retryAfter: retryAfter, requests: sent)
    }
}
