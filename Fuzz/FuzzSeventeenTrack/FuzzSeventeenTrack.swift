@testable import LacakSupport
@testable import LacakModel
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakIntake
@testable import LacakTransport
import FuzzSupport

/// The 17TRACK native adapter on any answer body.
let adapter: any CourierAdapter = FuzzSupport.adapter(preset: "17track")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNative(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzSupport.interpret(adapter, start, count)
    return 0
}
