@testable import LacakSupport
@testable import LacakModel
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakIntake
@testable import LacakTransport

/// Any bytes as an intake file, in both forms: records or reasons, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIntake(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    for lines in [true, false] {
        let file = IntakeFile(bytes: bytes, lines: lines)
        for record in file.records where Identifiers.orderIDProblem(record.record.orderID.rawValue) != nil {
            fatalError("an accepted record has a bad order_id: \(record.record.orderID)")
        }
    }
    return 0
}
