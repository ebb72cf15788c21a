import Foundation

/// Named places where a test can make the process die on purpose, to prove crash safety.
///
/// When the environment variable `LACAK_CRASH_AT` equals a point's name, the process exits
/// immediately with status 70 at that point, as abruptly as a power cut: no cleanup runs.
/// Unset (always, in production) it costs one dictionary lookup made once per process.
package enum CrashPoint {
    private static let target = ProcessInfo.processInfo.environment["LACAK_CRASH_AT"]

    /// Dies here if this is the point named in `LACAK_CRASH_AT`.
    package static func reached(_ name: String) {
        if let target, target == name {
            _exit(70)
        }
    }
}
