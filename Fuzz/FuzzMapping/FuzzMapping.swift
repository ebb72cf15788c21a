@testable import LacakCore
import FuzzSupport

/// The Binderbyte preset's declarative response mapping (JSON parser, paths, time formats,
/// status rules) on any answer body, with the statuses an API can send.
let adapter: any CourierAdapter = FuzzSupport.adapter(preset: "binderbyte")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMapping(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let body = Array(UnsafeRawBufferPointer(start: start, count: count))
    for status in [200, 404, 429] {
        _ = adapter.interpret(HTTPResponse(status: status, body: body), for: ["JX1234567890"])
    }
    return 0
}
