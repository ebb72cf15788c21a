import Foundation

/// Configuration text for tests, pointed at a courier-sim port and a test directory.
enum TestConfig {
    /// The repository's data directory (presets, tracking-number rules).
    static var dataDirectory: String { Binaries.packageRoot + "/config" }

    static let environment = ["LACAK_TEST_API_KEY": "test-key"]

    static func daemon(root: String, extra: String = "") -> String {
        """
        [daemon]
        spool_dir = "\(root)/spool"
        state_dir = "\(root)/state"
        time_zone = "Asia/Jakarta"
        data_dir = "\(dataDirectory)"
        \(extra)

        """
    }

    /// A courier using a preset, pointed at `endpoint`, with the test API key.
    static func courier(preset: String, id: String? = nil, endpoint: String, codes: [String]? = nil, extra: String = "") -> String {
        var text = """
            [[courier]]
            id = "\(id ?? preset)"
            preset = "\(preset)"
            endpoint = "\(endpoint)"
            rate_limit = 0
            max_in_flight = 8
            timeout = "5s"

            """
        if let codes { text += "codes = [\(codes.map { "\"\($0)\"" }.joined(separator: ", "))]\n" }
        text += extra + "\n[courier.credentials]\napi_key = { env = \"LACAK_TEST_API_KEY\" }\n"
        return text
    }

    /// The daemon table and a Binderbyte-preset courier serving jne, jnt and sicepat.
    static func binderbyte(port: Int, root: String, courierID: String = "binderbyte", extraDaemon: String = "", extraCourier: String = "") -> String {
        daemon(root: root, extra: extraDaemon)
            + courier(preset: "binderbyte", id: courierID, endpoint: "http://127.0.0.1:\(port)", codes: ["jne", "jnt", "sicepat"], extra: extraCourier)
    }

    /// A standalone config with the Binderbyte preset written out inline (no `preset` key), for
    /// tests about config text and lines: the same mapping, one file.
    static func inlineBinderbyte(port: Int, root: String) throws -> String {
        let preset = try String(contentsOfFile: dataDirectory + "/couriers/binderbyte.toml", encoding: .utf8)
        var body = ""
        for line in preset.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("endpoint = ") { body += "endpoint = \"http://127.0.0.1:\(port)\"\n"; continue }
            if line.hasPrefix("codes = ") { body += "codes = [\"jne\", \"jnt\", \"sicepat\"]\n"; continue }
            if line.hasPrefix("max_in_flight = ") { body += "max_in_flight = 8\ntimeout = \"5s\"\n"; continue }
            if line == "[[status_rule]]" { body += "[[courier.status_rule]]\n"; continue }
            if line.hasPrefix("["), !line.hasPrefix("[[") { body += "[courier." + line.dropFirst() + "\n"; continue }
            body += line + "\n"
        }
        return """
            [daemon]
            spool_dir = "\(root)/spool"
            state_dir = "\(root)/state"
            time_zone = "Asia/Jakarta"

            [[courier]]
            id = "binderbyte"

            """ + body + """

            [courier.credentials]
            api_key = { env = "LACAK_TEST_API_KEY" }

            """
    }
}
