package import LacakModel
package import LacakTransport
package import LacakConfig

/// A courier integration: turns a batch of tracking numbers into normalised tracking results.
///
/// Adapters are values built from config; they hold no per-poll state, so one adapter serves
/// every worker of its courier at once. Rate limits, concurrency and retries live in the
/// pipeline, not here.
package protocol CourierAdapter: Sendable {
    /// The settings the adapter was built from.
    var settings: CourierSettings { get }
    /// Most tracking numbers one `track` call accepts.
    var maxBatchSize: Int { get }
    /// Looks up `queries` (at most `maxBatchSize`, distinct numbers, one courier code); every
    /// tracking number gets an outcome.
    func track(_ queries: [TrackingQuery], using client: HTTPClient) async -> BatchOutcome

    /// Reads one answer of the API's tracking request for `queries`, as `track` does after the
    /// transfer; for benchmarks and tests of the parsing path alone.
    func interpret(_ response: HTTPResponse, for queries: [TrackingQuery]) -> BatchOutcome
}

extension CourierAdapter {
    /// `interpret` for numbers of no particular courier (only unscoped status rules apply).
    package func interpret(_ response: HTTPResponse, for numbers: [TrackingNumber]) -> BatchOutcome {
        interpret(response, for: numbers.map { TrackingQuery(trackingNumber: $0) })
    }
}

/// One tracking number to look up, with the courier code the API should be asked for.
package struct TrackingQuery: Sendable, Hashable {
    package var trackingNumber: TrackingNumber
    /// The code sent as `{courier_code}` (`jne`, `jnt`…, after `code_map`); nil when the
    /// courier has none.
    package var courierCode: String?
    /// lacak's code of the courier that carries the parcel (`jnt`, before `code_map`): whose
    /// status vocabulary reads its events.
    package var vocabulary: String?

    package init(trackingNumber: TrackingNumber, courierCode: String? = nil, vocabulary: String? = nil) {
        self.trackingNumber = trackingNumber
        self.courierCode = courierCode
        self.vocabulary = vocabulary
    }

    /// The query for a shipment of intake courier code `code` polled through `courier`.
    package init(trackingNumber: TrackingNumber, intakeCode code: CourierCode?, courier: CourierSettings) {
        self.init(trackingNumber: trackingNumber, courierCode: courier.apiCode(forIntakeCode: code?.rawValue),
                  vocabulary: courier.vocabularyCode(forIntakeCode: code?.rawValue))
    }
}

/// The answer for one tracking number.
package enum TrackingOutcome: Sendable {
    case found(TrackingReport)
    /// The courier does not know the number (yet): labels are often printed before pickup.
    case notFound(message: String?)
    case failed(CourierError)
    /// Not looked up this round: the courier is paused (Retry-After, or backing off after
    /// repeated failures) for this many more seconds. Not the shipment's failure.
    case deferred(seconds: Double)

    package var isDeferred: Bool {
        if case .deferred = self { return true }
        return false
    }
}

/// The outcomes of one batch, plus what the courier said about its own capacity.
package struct BatchOutcome: Sendable {
    package var results: [TrackingNumber: TrackingOutcome]
    /// Seconds the courier asked us to wait (`Retry-After` on 429 or 503).
    package var retryAfter: Double?
    /// Requests made for this batch.
    package var requests: Int
    /// Lines for the log (a plugin's stderr), already redacted.
    package var notes: [String] = []

    package init(results: [TrackingNumber: TrackingOutcome], retryAfter: Double? = nil, requests: Int = 1) {
        self.results = results
        self.retryAfter = retryAfter
        self.requests = requests
    }

    /// Whether the courier itself failed (down, erroring, refusing our key, answering garbage),
    /// as opposed to answering about the numbers; these failures open its circuit breaker.
    package var isCourierFailure: Bool {
        guard !results.isEmpty else { return false }
        return results.values.allSatisfy { outcome in
            guard case .failed(let error) = outcome else { return false }
            switch error {
            case .transport(.cancelled), .rateLimited: return false
            case .transport, .unauthorized, .badResponse, .adapter: return true
            case .http(let status, _): return status >= 500
            }
        }
    }

    /// The same error for every number of the batch.
    package static func failed(_ queries: [TrackingQuery], _ error: CourierError, requests: Int = 1) -> BatchOutcome {
        var results: [TrackingNumber: TrackingOutcome] = [:]
        for query in queries { results[query.trackingNumber] = .failed(error) }
        if case .rateLimited(let seconds) = error {
            return BatchOutcome(results: results, retryAfter: seconds, requests: requests)
        }
        return BatchOutcome(results: results, requests: requests)
    }
}

/// Why a courier gave no usable answer.
package enum CourierError: Error, Sendable, Equatable, CustomStringConvertible {
    case transport(TransportError)
    /// The API answered with an error status.
    case http(status: Int, message: String?)
    /// The API refused our credentials (401/403).
    case unauthorized(message: String?)
    /// The API asked us to slow down (429, or 503 with Retry-After).
    case rateLimited(retryAfter: Double?)
    /// The response is not what the mapping expects.
    case badResponse(String)
    /// The adapter itself failed (a plugin crashed, a template cannot be rendered).
    case adapter(String)

    package var description: String {
        switch self {
        case .transport(let error): return error.description
        case .http(let status, let message): return "HTTP \(status)" + (message.map { ": \($0)" } ?? "")
        case .unauthorized(let message): return "credentials refused" + (message.map { ": \($0)" } ?? "")
        case .rateLimited(let seconds): return "rate limited" + (seconds.map { " (retry after \(Int($0.rounded(.up)))s)" } ?? "")
        case .badResponse(let detail): return "unexpected response: \(detail)"
        case .adapter(let detail): return detail
        }
    }
}
