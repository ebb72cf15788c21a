import Foundation

/// Where `swift build` put the package's executables.
enum Binaries {
    static let directory: String = {
        // The test bundle sits in the same products directory as lacakd and courier-sim.
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [runner, runner.deletingLastPathComponent()] where FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("lacakd").path) {
            return candidate.path
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug").path
    }()

    static var lacakd: String { directory + "/lacakd" }
    static var courierSim: String { directory + "/courier-sim" }

    /// The package root, for config/ and other checked-in files.
    static let packageRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
}
