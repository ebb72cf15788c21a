/// Builds the adapter a courier's config asks for.
public enum AdapterFactory {
    public static func make(_ settings: CourierSettings, daemon: DaemonSettings) throws(CourierError) -> any CourierAdapter {
        switch settings.adapter {
        case .json:
            return try JSONAdapter(settings: settings, defaultZone: daemon.timeZone)
        }
    }
}
