@testable import LacakSupport
@testable import LacakModel
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakIntake
@testable import LacakTransport
import FuzzSupport

/// The Binderbyte preset's declarative response mapping (JSON parser, paths, time formats,
/// status rules) on any answer body, with the statuses an API can send.
let adapter: any CourierAdapter = FuzzSupport.adapter(preset: "binderbyte")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMapping(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzSupport.interpret(adapter, start, count, statuses: [200, 404, 429], numbers: ["JX1234567890"])
    return 0
}
