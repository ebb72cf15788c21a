/// Dates for people: `28 Nov 2026 14:05 WIB`.
package enum HumanTime {
    package static func format(_ time: Timestamp, zone: ZoneRules, indonesian: Bool) -> String {
        let offset = zone.offsetSeconds(atUTC: time.seconds)
        let civil = CivilTime(localMilliseconds: time.milliseconds + Int64(offset) * 1000)
        let months = indonesian
            ? ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
            : ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let separator = indonesian ? "." : ":"
        return "\(civil.day) \(months[civil.month - 1]) \(civil.year) \(twoDigits(civil.hour))\(separator)\(twoDigits(civil.minute)) \(zoneName(zone, offset: offset))"
    }

    private static func zoneName(_ zone: ZoneRules, offset: Int) -> String {
        switch zone.identifier {
        case "Asia/Jakarta", "Asia/Pontianak": return "WIB"
        case "Asia/Makassar": return "WITA"
        case "Asia/Jayapura": return "WIT"
        default:
            if offset == 0 { return "UTC" }
            let sign = offset < 0 ? "-" : "+"
            let magnitude = abs(offset)
            return "UTC" + sign + twoDigits(magnitude / 3600) + ":" + twoDigits((magnitude % 3600) / 60)
        }
    }
}
