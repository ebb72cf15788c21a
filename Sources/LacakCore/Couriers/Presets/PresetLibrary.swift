import Foundation

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
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            guard let text = String(data: data, encoding: .utf8) else {
                throw .invalid(ConfigError(file: path, message: "the file is not valid UTF-8"))
            }
            let value: JSONValue
            do {
                value = try TOMLReader.tree(text, file: path)
            } catch {
                throw .invalid(error)
            }
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

/// A preset that cannot be used.
enum PresetError: Error {
    case notFound(String)
    case invalid(ConfigError)
}
