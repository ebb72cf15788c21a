@testable import LacakSupport
@testable import LacakModel
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakIntake
@testable import LacakTransport
import FuzzSupport

/// Tracking-number detection with the shipped rules on any text.
let detector: TrackingNumberDetector = {
    do {
        return try TrackingNumberDetector(directories: [FuzzSupport.dataDirectory + "/tracking-numbers"])
    } catch {
        fatalError("cannot load the shipped rules: \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDetect(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: min(count, 4096)), as: UTF8.self)
    _ = detector.detect(text)
    return 0
}
