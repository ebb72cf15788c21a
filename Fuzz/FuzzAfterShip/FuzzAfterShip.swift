@testable import LacakCore
import FuzzSupport

/// The aftership native adapter on any answer body.
let adapter: any CourierAdapter = FuzzSupport.adapter(preset: "aftership")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNative(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let body = Array(UnsafeRawBufferPointer(start: start, count: count))
    for status in [200, 404] {
        _ = adapter.interpret(HTTPResponse(status: status, body: body), for: ["JX1234567890", "SC0000000001"])
    }
    return 0
}
