package import LacakConfig

/// Builds the adapter a courier's config asks for.
package enum AdapterFactory {
    package static func make(_ settings: CourierSettings, daemon: DaemonSettings) throws(CourierError) -> any CourierAdapter {
        switch settings.adapter {
        case .json: return try JSONAdapter(settings: settings, defaultZone: daemon.timeZone)
        case .exec: return ExecAdapter(settings: settings, defaultZone: daemon.timeZone)
        case .seventeenTrack: return SeventeenTrackAdapter(settings: settings, defaultZone: daemon.timeZone)
        case .afterShip: return AfterShipAdapter(settings: settings, defaultZone: daemon.timeZone)
        }
    }
}
