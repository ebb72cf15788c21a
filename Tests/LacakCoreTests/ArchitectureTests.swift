import Foundation
import Testing

/// The shape of the code, as the README's "How it works" describes it: library targets in one
/// order, each importing only targets before it, `Package.swift` saying the same, and source
/// files short enough to read.
@Suite struct ArchitectureTests {
    static let root = Binaries.packageRoot

    /// The README's target table: each library target with the Lacak targets it imports, in order.
    static func readmeTargets() throws -> [(name: String, imports: [String])] {
        let readme = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## How it works\n").dropFirst().first)
        var targets: [(String, [String])] = []
        for line in section.split(separator: "\n") where line.hasPrefix("| `Lacak") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let name = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let imports = cells[2].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
                .filter { $0.hasPrefix("Lacak") }
            targets.append((name, imports))
        }
        return targets
    }

    /// Each `Lacak…` library target of `Package.swift` with the `Lacak…` targets it depends on.
    static func packageTargets() throws -> [String: [String]] {
        let manifest = try String(contentsOfFile: root + "/Package.swift", encoding: .utf8)
        var targets: [String: [String]] = [:]
        for chunk in manifest.components(separatedBy: ".target(").dropFirst() {
            guard let name = chunk.firstMatch(of: /name: "(Lacak\w+)"/)?.1 else { continue }
            let dependencies = chunk.components(separatedBy: "swiftSettings").first ?? ""
            targets[String(name)] = dependencies.matches(of: /"(Lacak\w+)"/).map { String($0.1) }.filter { $0 != name }
        }
        return targets
    }

    /// The Lacak modules a source file imports, and whether every import comes before the
    /// first declaration.
    static func imports(of path: String) throws -> (modules: [String], importsFirst: Bool) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var modules: [String] = []
        var seenCode = false
        var importsFirst = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("//") || trimmed.hasPrefix("#") { continue }
            if let match = trimmed.firstMatch(of: /^(?:@testable )?(?:package |public |internal )?import (\w+)/) {
                if seenCode { importsFirst = false }
                if match.1.hasPrefix("Lacak") { modules.append(String(match.1)) }
            } else {
                seenCode = true
            }
        }
        return (modules, importsFirst)
    }

    static func swiftFiles(under directory: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var files: [String] = []
        while let item = enumerator?.nextObject() as? String {
            if item.hasSuffix(".swift") { files.append(directory + "/" + item) }
        }
        return files.sorted()
    }

    @Test func theReadmeTableIsWhatPackageSwiftSays() throws {
        let readme = try Self.readmeTargets()
        let package = try Self.packageTargets()
        #expect(readme.count == 11)
        #expect(Set(readme.map(\.name)) == Set(package.keys.filter { $0 != "LacakAccuracy" }))
        for (name, imports) in readme {
            #expect(Set(imports) == Set(package[name] ?? []), "README and Package.swift differ on \(name)")
        }
    }

    @Test func importsFlowOneWay() throws {
        let order = try Self.readmeTargets().map(\.name)
        let package = try Self.packageTargets()
        for (index, name) in order.enumerated() {
            let allowed = Set(order[..<index])
            for dependency in package[name] ?? [] {
                #expect(allowed.contains(dependency), "\(name) depends on \(dependency), which is not before it")
            }
            for file in Self.swiftFiles(under: Self.root + "/Sources/" + name) {
                let imported = try Self.imports(of: file).modules
                for module in imported {
                    #expect(package[name]?.contains(module) == true, "\(file) imports \(module), which \(name) does not depend on")
                }
            }
        }
    }

    @Test func noSourceFileIsLongOrImportsLate() throws {
        for directory in ["Sources", "Tests", "Fuzz"] {
            for file in Self.swiftFiles(under: Self.root + "/" + directory) {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
                #expect(lines <= 400, "\(file) has \(lines) lines")
                #expect(try Self.imports(of: file).importsFirst, "\(file) has an import below its first declaration")
            }
        }
    }

    /// The domain model does no I/O: no files, processes, sockets, clocks of its own or
    /// databases; facts come in as values.
    @Test func theModelDoesNoIO() throws {
        // Whole words only: `spread(` is not `read(`.
        let forbidden = ["FileManager", "FileHandle", "Process", "fopen", "open", "read", "write", "socket", "URLSession",
                         "DispatchQueue", "Thread", "GRDB", "CCurl", "Date", "ContinuousClock"]
        for file in Self.swiftFiles(under: Self.root + "/Sources/LacakModel") {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let code = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
            for word in forbidden {
                let pattern = try NSRegularExpression(pattern: "(?<![A-Za-z0-9_.])" + word + "(?![A-Za-z0-9_])")
                let found = pattern.firstMatch(in: code, range: NSRange(code.startIndex..., in: code))
                #expect(found == nil, "\(file) uses \(word)")
            }
            #expect(!code.contains("Timestamp.now") && !code.contains(".now()"), "\(file) reads the clock")
        }
    }
}
