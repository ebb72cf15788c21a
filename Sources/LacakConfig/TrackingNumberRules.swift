import Foundation
package import LacakModel

extension TrackingNumberDetector {
    /// Loads every `*.json` rule file in `directories` (later files add formats, they do not
    /// replace). The error names the file and what is wrong with it.
    package init(directories: [String]) throws(RuleFileError) {
        var files: [String] = []
        for directory in directories {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            files += names.sorted().filter { $0.hasSuffix(".json") }.map { directory + "/" + $0 }
        }
        try self.init(files: files)
    }

    /// Loads the given rule files.
    package init(files: [String]) throws(RuleFileError) {
        var read: [(path: String, bytes: [UInt8])] = []
        for file in files {
            // Checked before reading: a huge file in the rules directory is refused, not loaded.
            if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int, size > TrackingNumberDetector.maxFileBytes {
                throw RuleFileError(file: file, message: "the file is larger than 4 MiB")
            }
            guard let data = FileManager.default.contents(atPath: file) else { throw RuleFileError(file: file, message: "cannot read the file") }
            read.append((file, [UInt8](data)))
        }
        try self.init(ruleFiles: read)
    }
}
