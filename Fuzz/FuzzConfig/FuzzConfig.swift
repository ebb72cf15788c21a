@testable import LacakSupport
@testable import LacakModel
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakIntake
@testable import LacakTransport

/// Any bytes as a config file: an error or a config, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let loader = ConfigLoader(environment: ["LACAK_FUZZ_KEY": "fuzz-key"], resolveSecrets: false)
    _ = try? loader.load(text: text, path: "/nonexistent/lacak-fuzz/lacak.toml")
    return 0
}
