package import LacakModel

/// TikTok Shop's shipping provider names (`Shipping Provider Name` in the export,
/// `shipping_provider_name` in the API) and the courier code each is tracked under.
///
/// Names are compared without case, spaces or punctuation, so `J&T Express`, `J&T EXPRESS` and
/// `JnT Express` are one. A name lacak does not know gives no courier: the package's courier is
/// then detected from its tracking number, and the name is kept in the order's `meta`.
package struct ShippingProviders: Sendable {
    /// Built-in names, as TikTok Shop Indonesia and its sellers write them.
    package static let builtin: [(name: String, code: String)] = [
        // Seen in Indonesian Seller Center exports (the "-MP" names are marketplace-arranged pickups).
        ("J&T Express", "jnt"), ("J&T-MP", "jnt"), ("J&T Cargo", "jnt_cargo"),
        ("JNE Express Standard ID", "jne"), ("JNE-MP", "jne"), ("JNE Cargo", "jne"), ("JNE", "jne"),
        ("SiCepat", "sicepat"), ("SiCepat-MP", "sicepat"),
        ("Anteraja", "anteraja"), ("AnterAja-MP", "anteraja"),
        ("NinjaVan Indonesia", "ninja"), ("NinjaVan-MP", "ninja"), ("Ninja Xpress", "ninja"),
        ("Lion Parcel-MP", "lion"), ("Lion Parcel", "lion"),
        ("IDX", "ide"), ("ID Express", "ide"), ("REX", "rex"),
        // Other spellings sellers and aggregators use for the same couriers.
        ("SPX Express", "spx"), ("Shopee Express", "spx"), ("Pos Indonesia", "pos"),
        ("SAP Express", "sap"), ("TIKI", "tiki"), ("Wahana", "wahana"), ("JET Express", "jet"), ("Lazada Express", "lex"),
        ("RPX", "rpx"), ("First Logistics", "first"), ("PCP Express", "pcp"), ("NCS Kurir", "ncs"), ("Sentral Cargo", "sentral"),
        ("21 Express", "dse"),
    ]

    private let codes: [String: CourierCode]
    /// The names as written, looked up first: most files spell them exactly so.
    private let exact: [String: CourierCode]

    /// The built-in table with `extra` (from `[tiktokshop.providers]`) on top.
    package init(extra: [String: CourierCode] = [:]) {
        var codes: [String: CourierCode] = [:]
        for (name, code) in Self.builtin { codes[Self.key(name)] = CourierCode(rawValue: code)! }
        for (name, code) in extra { codes[Self.key(name)] = code }
        self.codes = codes
        var exact: [String: CourierCode] = [:]
        for (name, code) in Self.builtin where codes[Self.key(name)]?.rawValue == code { exact[name] = CourierCode(rawValue: code)! }
        for (name, code) in extra { exact[name] = code }
        self.exact = exact
    }

    /// The courier code for a provider name; nil for an empty or unknown one.
    package func code(for name: String) -> CourierCode? {
        if name.isEmpty { return nil }
        return exact[name] ?? codes[Self.key(name)]
    }

    /// The comparison key: lowercase letters and digits only.
    static func key(_ name: String) -> String {
        String(String.UnicodeScalarView(name.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }))
    }
}
