import Foundation

/// courier-sim running as a child process on a free loopback port.
final class CourierSimProcess {
    let background: BackgroundProcess
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the simulator; `scenarios` forces tracking numbers into scenarios (a name) or
    /// scripted histories (`["texts": [...], "step_minutes": 60, "final": "delivered"]`).
    init(speed: Double = 36_000, apiKey: String? = "test-key", scenarios: [String: Any] = [:], extra: [String] = []) throws {
        var arguments = ["--port", "0", "--speed", String(speed)] + extra
        if let apiKey { arguments += ["--api-key", apiKey] }
        var scenarioFile: TestDirectory?
        if !scenarios.isEmpty {
            let directory = TestDirectory("sim")
            let data = try JSONSerialization.data(withJSONObject: scenarios)
            let path = directory.join("scenarios.json")
            try data.write(to: URL(fileURLWithPath: path))
            arguments += ["--shipments", path]
            scenarioFile = directory
        }
        background = try BackgroundProcess(Binaries.courierSim, arguments)
        let line = try background.waitForLine(containing: "listening on")
        withExtendedLifetime(scenarioFile) {}
        guard let portText = line.split(separator: ":").last?.split(separator: " ").first, let port = Int(portText) else {
            throw TestFailure("cannot read the port from: \(line)")
        }
        self.port = port
    }

    /// Request counters from `GET /_sim/stats`.
    func requestCount() throws -> Int {
        let data = try BlockingHTTP.get(port: port, path: "/_sim/stats")
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["requests"] as? Int ?? -1
    }
}
