/// What happens to a shipment, from the courier's point of view.
enum Scenario: String, CaseIterable, Sendable, Codable {
    /// Picked up, through two hubs, out for delivery, delivered.
    case delivered
    /// One failed attempt (nobody home), delivered the next day.
    case failedThenDelivered = "failed_then_delivered"
    /// Two failed attempts, then sent back to the shipper.
    case returned
    /// The courier never knows this number.
    case notFound = "not_found"
    /// Unknown for the first three hours (label printed, parcel not yet scanned), then delivered.
    case lateScan = "late_scan"
    /// Held at a hub with a problem for a day, then delivered.
    case exceptionThenDelivered = "exception_then_delivered"

    /// The scenario of a number nobody registered: fixed by a hash of the number, so every
    /// run of the simulator tells the same story about it.
    static func derived(from awb: String) -> Scenario {
        let bucket = stableHash(awb) % 100
        switch bucket {
        case 0..<70: return .delivered
        case 70..<80: return .failedThenDelivered
        case 80..<87: return .returned
        case 87..<92: return .notFound
        case 92..<97: return .lateScan
        default: return .exceptionThenDelivered
        }
    }
}

/// The kinds of scan a courier records.
enum StepKind: String, Sendable {
    case infoReceived, pickedUp, sortedAtOrigin, forwarded, arrivedAtDestination, exceptionHold, outForDelivery, failedAttempt, delivered, returning, returned
}

/// One scan: what, when (minutes after the shipment started), where.
struct TimelineStep: Sendable {
    var kind: StepKind
    var minutes: Int
    var location: String
    /// The exact text of a scripted scan (a real courier history replayed), instead of the
    /// dialect's wording for `kind`.
    var text: String? = nil
}

/// A history replayed as written: one scan text every `stepMinutes`, oldest first.
struct ScriptedHistory: Sendable {
    var texts: [String]
    var stepMinutes: Int
    /// How the history ends, for the shipment-level status dialects report beside the events
    /// (`delivered` makes Binderbyte's summary say DELIVERED once the last scan is visible).
    var final: StepKind?
    /// One more scan with each lookup of the number, whatever the clock says: tests that must
    /// see every step do not depend on how fast the machine is.
    var perLookup: Bool

    /// Reads `{"texts": [...], "step_minutes": 60, "final": "delivered", "advance": "per_lookup"}`.
    init?(json: [String: Any]) {
        guard let texts = json["texts"] as? [String], !texts.isEmpty else { return nil }
        self.texts = texts
        stepMinutes = (json["step_minutes"] as? Int) ?? 60
        final = (json["final"] as? String).flatMap(StepKind.init(rawValue:))
        perLookup = (json["advance"] as? String) == "per_lookup"
    }
}

/// The scans of one shipment in order.
struct Timeline: Sendable {
    var scenario: Scenario
    var steps: [TimelineStep]
    var origin: String
    var destination: String
    /// Minutes after the start before the courier knows the number at all.
    var unknownForMinutes: Int

    static let cities = ["JAKARTA", "BANDUNG", "SURABAYA", "SEMARANG", "MEDAN", "MAKASSAR", "DENPASAR", "YOGYAKARTA",
                         "MALANG", "BEKASI", "TANGERANG", "DEPOK", "BOGOR", "PALEMBANG", "BATAM", "PEKANBARU"]

    init(awb: String, scenario: Scenario) {
        self.scenario = scenario
        let hash = stableHash(awb + "#route")
        origin = Timeline.cities[hash % Timeline.cities.count]
        var destination = Timeline.cities[(hash / 31) % Timeline.cities.count]
        if destination == origin { destination = Timeline.cities[(hash / 31 + 1) % Timeline.cities.count] }
        self.destination = destination
        unknownForMinutes = 0

        let shift = scenario == .lateScan ? 180 : 0
        var steps: [TimelineStep] = [
            TimelineStep(kind: .infoReceived, minutes: 0, location: origin),
            TimelineStep(kind: .pickedUp, minutes: 120, location: origin),
            TimelineStep(kind: .sortedAtOrigin, minutes: 240, location: origin),
            TimelineStep(kind: .forwarded, minutes: 480, location: origin),
            TimelineStep(kind: .arrivedAtDestination, minutes: 1200, location: destination),
        ]
        switch scenario {
        case .delivered, .lateScan:
            steps += [
                TimelineStep(kind: .outForDelivery, minutes: 1500, location: destination),
                TimelineStep(kind: .delivered, minutes: 1620, location: destination),
            ]
        case .failedThenDelivered:
            steps += [
                TimelineStep(kind: .outForDelivery, minutes: 1500, location: destination),
                TimelineStep(kind: .failedAttempt, minutes: 1680, location: destination),
                TimelineStep(kind: .outForDelivery, minutes: 2940, location: destination),
                TimelineStep(kind: .delivered, minutes: 3060, location: destination),
            ]
        case .returned:
            steps += [
                TimelineStep(kind: .outForDelivery, minutes: 1500, location: destination),
                TimelineStep(kind: .failedAttempt, minutes: 1680, location: destination),
                TimelineStep(kind: .outForDelivery, minutes: 2940, location: destination),
                TimelineStep(kind: .failedAttempt, minutes: 3120, location: destination),
                TimelineStep(kind: .returning, minutes: 3300, location: destination),
                TimelineStep(kind: .forwarded, minutes: 3600, location: destination),
                TimelineStep(kind: .returned, minutes: 5400, location: origin),
            ]
        case .exceptionThenDelivered:
            steps += [
                TimelineStep(kind: .exceptionHold, minutes: 1260, location: destination),
                TimelineStep(kind: .outForDelivery, minutes: 2700, location: destination),
                TimelineStep(kind: .delivered, minutes: 2820, location: destination),
            ]
        case .notFound:
            steps = []
        }
        for index in steps.indices { steps[index].minutes += shift }
        unknownForMinutes = scenario == .notFound ? Int.max : shift
        self.steps = steps
    }

    /// The timeline of a scripted history: its texts in order, the last one of kind `final`.
    init(awb: String, script: ScriptedHistory) {
        self.init(awb: awb, scenario: .delivered)
        let place = origin
        steps = script.texts.enumerated().map { index, text in
            let isLast = index == script.texts.count - 1
            return TimelineStep(kind: isLast ? (script.final ?? .forwarded) : .forwarded, minutes: index * script.stepMinutes, location: place, text: text)
        }
        unknownForMinutes = 0
    }

    /// The scans that have happened `elapsedMinutes` after the start.
    func visibleSteps(elapsedMinutes: Double) -> [TimelineStep] {
        steps.filter { Double($0.minutes) <= elapsedMinutes }
    }

    /// Minutes after the start at which the last scan happens.
    var finalMinute: Int { steps.last?.minutes ?? 0 }
}

/// FNV-1a, so scenario choice is the same on every run and every machine.
func stableHash(_ text: String) -> Int {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01B3
    }
    return Int(value % UInt64(Int32.max))
}
