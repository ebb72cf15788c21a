@testable import LacakSupport
@testable import LacakModel
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakIntake
@testable import LacakTransport
import FuzzSupport

/// Time arithmetic and time parsing on extreme values: a `Retry-After` header, an event time in
/// every format lacak reads, and the raw bytes as a count of seconds and milliseconds. Nothing
/// may trap, and every time that comes out must be writable as ISO 8601.
let zone = ZoneRules(identifier: "Asia/Jakarta")!
let formats: [TimeFormat] = ["iso8601", "epoch", "epoch_ms", "yyyy-MM-dd HH:mm:ss", "d MMM HH:mm z", "dd-MM-yyyy HH:mm"].compactMap { try? TimeFormat($0) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTime(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: min(count, 256))
    let text = String(decoding: bytes, as: UTF8.self)
    let now = Timestamp.now
    if let wait = RetryAfter.seconds(text, now: now) {
        precondition(wait >= 0 && wait <= RetryAfter.longest)
        _ = now.adding(seconds: wait).iso8601(in: zone)
    }
    var values: [JSONValue] = [.string(text)]
    if let number = Double(text) { values.append(.double(number)) }
    if let number = Int64(text) { values.append(.integer(number)) }
    for format in formats {
        for value in values {
            if let time = format.timestamp(from: value, zone: zone, now: now) {
                precondition(Timestamp.eventRange.contains(time))
                _ = time.iso8601(in: zone)
            }
        }
    }
    var raw: Int64 = 0
    for (index, byte) in bytes.prefix(8).enumerated() { raw |= Int64(byte) << (8 * Int64(index)) }
    for time in [Timestamp(seconds: raw), Timestamp(milliseconds: raw), now.adding(seconds: Double(bitPattern: UInt64(bitPattern: raw)))] {
        precondition(time >= Timestamp.earliest && time <= Timestamp.latest)
        _ = time.iso8601(in: zone)
        _ = time.adding(seconds: Double(raw))
    }
    return 0
}
