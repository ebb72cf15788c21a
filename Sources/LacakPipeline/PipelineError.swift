package import LacakStore
package import LacakSpool
package import LacakCouriers

/// Why the pipeline cannot start or run a request.
package enum PipelineError: Error, Sendable, CustomStringConvertible {
    case store(StoreError)
    case spool(SpoolError)
    case adapter(courier: String, CourierError)
    /// The new config changes what only a restart may change (the state or spool directory).
    case restartNeeded(String)

    package var description: String {
        switch self {
        case .store(let error): return error.description
        case .spool(let error): return error.description
        case .adapter(let courier, let error): return "courier \(courier): \(error)"
        case .restartNeeded(let message): return message
        }
    }
}
