import Foundation

/// A fresh directory under the system temp dir, removed when the value is released.
final class TestDirectory {
    let path: String

    init(_ name: String = "lacak-test") {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/" + name + "-" + UUID().uuidString.prefix(8).lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `path/relative`.
    func join(_ relative: String) -> String {
        path + "/" + relative
    }

    /// Writes text to `relative`, creating parent directories.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let target = join(relative)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    /// File names in `relative`, sorted; empty when it does not exist.
    func list(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: join(relative))) ?? []).sorted()
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: join(relative), encoding: .utf8)
    }
}
