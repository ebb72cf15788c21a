import Foundation
import LacakSupport

/// Courier presets: one TOML file per courier API under `couriers/` in a data directory,
/// holding the keys of a `[[courier]]` table. A config names one with `preset = "binderbyte"`
/// and overrides any key.
///
/// Merging: tables merge key by key, other values from the config replace the preset's, and
/// `status_rule` lists are joined with the config's rules first, so they win (first match).
struct PresetLibrary {
    /// Directories searched in order for `couriers/<name>.toml`.
    let directories: [String]

    /// A preset read from disk, with what is needed to point at its lines.
    struct Preset {
        let name: String
        let path: String
        let table: JSONValue
        let lines: TOMLLineIndex
    }

    /// The data directories to search: the configured one, the config's own directory, the
    /// installed `share/lacak` beside the executable, and — for a binary run from a source
    /// tree's `.build/` — that tree's `config/`.
    static func searchPath(configured: String?, configDirectory: String) -> [String] {
        var directories: [String] = []
        if let configured { directories.append(configured) }
        directories.append(configDirectory)
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().path
        directories.append(((executable as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent + "/share/lacak")
        // Run from a checkout (.build/, or a sanitizer build's .build-asan/): the repository's config/.
        if let build = executable.range(of: "/.build") {
            directories.append(String(executable[..<build.lowerBound]) + "/config")
        }
        return directories
    }

    /// Preset and vocabulary files parsed before, by path and content: TOMLKit keeps a few
    /// KiB of every parse for good, and a reload reads a dozen of these shipped files, so each
    /// distinct text is parsed once per process (a changed file is parsed again).
    private static let parsedFiles = LockBox<[String: (text: String, tree: JSONValue)]>([:])

    /// The text and tree of a shipped TOML file; nil when there is none at `path`.
    static func read(_ path: String) throws(PresetError) -> (text: String, tree: JSONValue)? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalid(ConfigError(file: path, message: "the file is not valid UTF-8"))
        }
        do {
            return (text, try parsed(text, file: path))
        } catch {
            throw .invalid(error)
        }
    }

    static func parsed(_ text: String, file path: String) throws(ConfigError) -> JSONValue {
        if let cached = parsedFiles.withLock({ $0[path] }), cached.text == text { return cached.tree }
        let tree = try TOMLReader.tree(text, file: path)
        parsedFiles.withLock { $0[path] = (text, tree) }
        return tree
    }

    /// Names of the presets found, for messages.
    var available: [String] {
        var names: Set<String> = []
        for directory in directories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/couriers")) ?? []
            for file in files where file.hasSuffix(".toml") { names.insert(String(file.dropLast(5))) }
        }
        return names.sorted()
    }

    /// Loads preset `name`; the error names the preset file and line when its TOML is broken.
    func load(_ name: String) throws(PresetError) -> Preset {
        guard Identifiers.isValidCourierID(name) else { throw .notFound(name) }
        for directory in directories {
            let path = directory + "/couriers/" + name + ".toml"
            guard let (text, value) = try Self.read(path) else { continue }
            for forbidden in ["id", "preset"] where value[forbidden] != nil {
                throw .invalid(ConfigError(file: path, line: TOMLLineIndex(source: text).line(for: [forbidden]), keyPath: forbidden, message: "a preset cannot set `\(forbidden)`"))
            }
            return Preset(name: name, path: path, table: value, lines: TOMLLineIndex(source: text))
        }
        throw .notFound(name)
    }

    /// The courier table `user` laid over `preset`.
    static func merge(preset: JSONValue, user: JSONValue) -> JSONValue {
        guard case .object(let base) = preset, case .object(let over) = user else { return user }
        var members = base.members
        for (key, value) in over.members {
            if let index = members.firstIndex(where: { $0.key == key }) {
                let existing = members[index].value
                switch (key, existing, value) {
                case ("status_rule", .array(let presetRules), .array(let userRules)):
                    members[index].value = .array(userRules + presetRules)
                case (_, .object, .object):
                    members[index].value = merge(preset: existing, user: value)
                default:
                    members[index].value = value
                }
            } else {
                members.append((key, value))
            }
        }
        return .object(JSONObject(members))
    }
}

extension PresetLibrary {
    /// A status vocabulary: how one courier words its scans, as a list of status rules in
    /// `couriers/vocabulary/<name>.toml`, shared by every aggregator preset that carries the
    /// courier's texts (Binderbyte, RajaOngkir and Komerce all pass J&T's words through).
    struct Vocabulary {
        let name: String
        let path: String
        /// The rules, each scoped to the file's `couriers` unless it names its own.
        let rules: [JSONValue]
    }

    /// The keys a vocabulary file may hold.
    private struct VocabularyFile: Decodable {
        var couriers: [String]?
        var statusRules: [StatusRuleSettings]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, couriers
            case statusRules = "status_rule"
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            _ = try container.decodeIfPresent(String.self, forKey: .name)
            couriers = try container.decodeIfPresent([String].self, forKey: .couriers)
            statusRules = try container.decodeIfPresent([StatusRuleSettings].self, forKey: .statusRules) ?? []
        }
    }

    /// Loads and checks vocabulary `name`; errors name the vocabulary file, line and key.
    func vocabulary(_ name: String) throws(PresetError) -> Vocabulary {
        guard Identifiers.isValidCourierID(name) else { throw .notFound(name) }
        for directory in directories {
            let path = directory + "/couriers/vocabulary/" + name + ".toml"
            guard let (text, tree) = try Self.read(path) else { continue }
            let file: VocabularyFile
            do {
                file = try JSONDecoder().decode(VocabularyFile.self, from: Data(JSONWriter(pretty: false).bytes(tree)))
            } catch let error as DecodingError {
                throw .invalid(ConfigLoader.configError(error, file: path, lines: TOMLLineIndex(source: text), tree: tree))
            } catch {
                throw .invalid(ConfigError(file: path, message: "\(error)"))
            }
            let scope = file.couriers.map { JSONValue.array($0.map { .string($0.lowercased()) }) }
            let rules: [JSONValue] = (tree["status_rule"]?.arrayValue ?? []).map { rule in
                guard let scope, case .object(var members) = rule, members["couriers"] == nil else { return rule }
                members.members.append(("couriers", scope))
                return .object(members)
            }
            return Vocabulary(name: name, path: path, rules: rules)
        }
        throw .notFound(name)
    }

    /// The courier table with its `vocabularies` list replaced by their rules, after the
    /// table's own (the user's first, then the preset's).
    func expandVocabularies(_ table: JSONValue, file: String, lines: TOMLLineIndex, index: Int) throws(ConfigError) -> JSONValue {
        guard case .object(var members) = table, let listValue = members["vocabularies"] else { return table }
        let keyPath = ["courier[\(index)]", "vocabularies"]
        guard let list = listValue.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
            throw ConfigError(file: file, line: lines.line(for: keyPath), keyPath: keyPath.joined(separator: "."), message: "expected a list of vocabulary names")
        }
        var rules = members["status_rule"]?.arrayValue ?? []
        for name in list.compactMap(\.stringValue) {
            do {
                rules += try vocabulary(name).rules
            } catch {
                switch error {
                case .notFound:
                    throw ConfigError(file: file, line: lines.line(for: keyPath), keyPath: keyPath.joined(separator: "."),
                                      message: "no vocabulary '\(name)' in \(directories.map { $0 + "/couriers/vocabulary" }.joined(separator: ", "))")
                case .invalid(let problem):
                    throw problem
                }
            }
        }
        members.members.removeAll { $0.key == "vocabularies" }
        if let position = members.members.firstIndex(where: { $0.key == "status_rule" }) {
            members.members[position].value = .array(rules)
        } else {
            members.members.append(("status_rule", .array(rules)))
        }
        return .object(members)
    }
}

/// A preset that cannot be used.
enum PresetError: Error {
    case notFound(String)
    case invalid(ConfigError)
}
