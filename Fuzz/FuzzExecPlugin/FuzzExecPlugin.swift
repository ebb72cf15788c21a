@testable import LacakSupport
@testable import LacakModel
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakIntake
@testable import LacakTransport
import FuzzSupport

/// The exec adapter's reading of a plugin's stdout (results, statuses, events, times) on any
/// bytes, as if the plugin had exited 0.
let adapter: any CourierAdapter = FuzzSupport.adapter(courier: """
    adapter = "exec"
    command = ["/bin/true"]
    codes = ["jne"]
    """)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExecPlugin(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzSupport.interpret(adapter, start, count, statuses: [200])
    return 0
}
