

/// Display names of courier codes, for notifications and snapshots ("J&T Express" for `jnt`).
package enum CourierNames {
    static let known: [String: String] = [
        "jne": "JNE", "jnt": "J&T Express", "jnt_cargo": "J&T Cargo", "sicepat": "SiCepat", "spx": "SPX Express",
        "anteraja": "AnterAja", "ninja": "Ninja Xpress", "pos": "Pos Indonesia", "lion": "Lion Parcel", "ide": "ID Express",
        "sap": "SAP Express", "tiki": "TIKI", "wahana": "Wahana", "jet": "JET Express", "lex": "Lazada Express",
        "rex": "REX Express", "rpx": "RPX", "first": "First Logistics", "pcp": "PCP Express", "ncs": "NCS Kurir",
        "sentral": "Sentral Cargo", "star": "Star Cargo", "dse": "21 Express", "s10": "international post",
        "usps": "USPS", "ups": "UPS", "fedex": "FedEx", "dhl": "DHL",
    ]

    /// The name of the courier with lacak's code `code`.
    package static func name(of code: CourierCode) -> String {
        name(of: code.rawValue)
    }

    /// The name people know a courier code by; the code in capitals when lacak does not know it.
    package static func name(of code: String) -> String {
        known[code.lowercased()] ?? code.uppercased()
    }
}
