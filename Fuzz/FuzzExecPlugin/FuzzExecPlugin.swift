@testable import LacakCore
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
    let body = Array(UnsafeRawBufferPointer(start: start, count: count))
    _ = adapter.interpret(HTTPResponse(status: 200, body: body), for: ["JX1234567890", "SC0000000001"])
    return 0
}
