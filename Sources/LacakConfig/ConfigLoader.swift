import Foundation
import LacakSupport
import LacakModel

/// Reads a lacak TOML file into a checked `LacakConfig`.
///
/// TOMLKit parses the file; the table is turned into JSON and decoded with `Codable`, each type
/// rejecting keys it does not know. Decoding errors are translated into `ConfigError`s that name
/// the file, the line and the key path.
package struct ConfigLoader: Sendable {
    /// Environment used for `env` secrets and `$CREDENTIALS_DIRECTORY`.
    package var environment: [String: String]
    /// Whether to read secret values now; `validate --skip-secrets` turns this off.
    package var resolveSecrets: Bool

    package init(environment: [String: String]? = nil, resolveSecrets: Bool = true) {
        self.environment = environment ?? ProcessInfo.processInfo.environment
        self.resolveSecrets = resolveSecrets
    }

    /// The largest config file read (1 MiB): a real one is a few KiB, and TOMLKit takes
    /// seconds and gigabytes on tens of megabytes of keys.
    package static let maxFileBytes = 1 << 20

    /// Loads and checks the file at `path`.
    package func load(path: String) throws(ConfigError) -> LacakConfig {
        let text: String
        do {
            // Open without blocking (a FIFO named as the config must not hang lacakd) and look
            // at what it is before reading it.
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
            guard fd >= 0 else {
                let code = errno
                throw ConfigError(file: path, message: code == ENOENT ? "no such file" : "cannot read the file: \(String(cString: strerror(code)))")
            }
            var info = stat()
            let kind = fstat(fd, &info) == 0 ? info.st_mode & S_IFMT : 0
            let size = Int(info.st_size)
            close(fd)
            guard kind == S_IFREG else {
                throw ConfigError(file: path, message: kind == S_IFDIR ? "is a directory, not a config file" : "is not a regular file")
            }
            guard size <= Self.maxFileBytes else {
                throw ConfigError(file: path, message: "the file is \(size) bytes; a config is at most \(Self.maxFileBytes) (1 MiB)")
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigError(file: path, message: "the file is not valid UTF-8")
            }
            text = decoded
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(file: path, message: "cannot read the file: \(Self.reason(error))")
        }
        return try load(text: text, path: path)
    }

    /// Loads and checks TOML `text` as if read from `path` (relative paths resolve beside it).
    package func load(text: String, path: String) throws(ConfigError) -> LacakConfig {
        let userTree = try TOMLReader.tree(text, file: path)
        let lines = TOMLLineIndex(source: text)
        let directory = (path as NSString).deletingLastPathComponent
        let configuredData = userTree["daemon"]?["data_dir"]?.stringValue.map { Self.absolute($0, relativeTo: directory) }
        let library = PresetLibrary(directories: PresetLibrary.searchPath(configured: configuredData, configDirectory: directory))
        let (tree, presets) = try Self.applyPresets(userTree, library: library, file: path, lines: lines)
        var file: ConfigFile
        do {
            file = try JSONDecoder().decode(ConfigFile.self, from: Data(JSONWriter(pretty: false).bytes(tree)))
        } catch let error as DecodingError {
            throw Self.locate(error, file: path, lines: lines, userTree: userTree, tree: tree, presets: presets)
        } catch {
            throw ConfigError(file: path, message: "\(error)")
        }
        file.daemon.dataDirectories = library.directories
        let detector = try Self.detector(file.detection, dataDirectories: library.directories, configDirectory: directory, file: path, lines: lines)
        file.daemon.spoolDirectory = Self.absolute(file.daemon.spoolDirectory, relativeTo: directory)
        file.daemon.stateDirectory = Self.absolute(file.daemon.stateDirectory, relativeTo: directory)
        for index in file.courier.indices {
            if let caFile = file.courier[index].caFile {
                let resolved = Self.absolute(caFile, relativeTo: directory)
                file.courier[index].caFile = resolved
                if !FileManager.default.isReadableFile(atPath: resolved) {
                    let keyPath = ["courier[\(index)]", "ca_file"]
                    throw ConfigError(file: path, line: lines.line(for: keyPath), keyPath: keyPath.joined(separator: "."), message: "cannot read CA file \(resolved)")
                }
            }
            guard resolveSecrets else { continue }
            file.courier[index].secrets = try secrets(file.courier[index].credentials, table: "courier[\(index)]", directory: directory, file: path, lines: lines)
        }
        for index in file.source.indices {
            if let caFile = file.source[index].caFile {
                file.source[index].caFile = Self.absolute(caFile, relativeTo: directory)
            }
            guard resolveSecrets else { continue }
            file.source[index].secrets = try secrets(file.source[index].credentials, table: "source[\(index)]", directory: directory, file: path, lines: lines)
        }
        var config = LacakConfig(file: path, daemon: file.daemon, couriers: file.courier, templates: file.templates,
                                 detection: file.detection, detector: detector)
        config.tiktokShop = file.tiktokShop
        config.sources = file.source
        let owners = config.couriers.map { ("courier \($0.id)", $0.credentials) } + config.sources.map { ("source \($0.id)", $0.credentials) }
        for (owner, credentials) in owners {
            for (name, reference) in credentials.sorted(by: { $0.key < $1.key }) {
                guard case .file(let secretPath) = reference else { continue }
                var info = stat()
                let resolved = Self.absolute(secretPath, relativeTo: directory)
                if stat(resolved, &info) == 0, info.st_mode & 0o004 != 0 {
                    config.warnings.append("\(path): \(owner): secret file \(resolved) for '\(name)' is readable by every user; chmod 0600 it")
                }
            }
        }
        return config
    }

    /// The values of a table's `credentials`; an error names the credential's line and key.
    private func secrets(_ credentials: [String: SecretReference], table: String, directory: String, file path: String, lines: TOMLLineIndex) throws(ConfigError) -> [String: Secret] {
        var values: [String: Secret] = [:]
        for (name, reference) in credentials.sorted(by: { $0.key < $1.key }) {
            let keyPath = [table, "credentials", name]
            do {
                values[name] = try readSecret(reference, relativeTo: directory)
            } catch {
                throw ConfigError(file: path, line: lines.line(for: keyPath), keyPath: keyPath.joined(separator: "."), message: error.message)
            }
        }
        return values
    }

    /// Reads one secret's value; the error never contains the value.
    func readSecret(_ reference: SecretReference, relativeTo directory: String) throws(SecretError) -> Secret {
        switch reference {
        case .environment(let name):
            guard let value = environment[name] else {
                throw SecretError(message: "environment variable \(name) is not set")
            }
            guard !value.isEmpty else { throw SecretError(message: "environment variable \(name) is empty") }
            guard !value.contains(where: { $0 == "\n" || $0 == "\r" }) else {
                throw SecretError(message: "environment variable \(name) holds more than one line")
            }
            return Secret(value)
        case .file(let file):
            return try Self.readSecretFile(Self.absolute(file, relativeTo: directory))
        case .credential(let name):
            guard let credentials = environment["CREDENTIALS_DIRECTORY"], !credentials.isEmpty else {
                throw SecretError(message: "credential '\(name)' needs $CREDENTIALS_DIRECTORY (set by systemd's LoadCredential=)")
            }
            return try Self.readSecretFile((credentials as NSString).appendingPathComponent(name))
        }
    }

    private static func readSecretFile(_ path: String) throws(SecretError) -> Secret {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretError(message: "cannot read secret file \(path)")
        }
        guard data.count <= 64 * 1024, let text = String(data: data, encoding: .utf8) else {
            throw SecretError(message: "secret file \(path) is not a short UTF-8 text")
        }
        let value = text.trimmingWhitespace()
        guard !value.isEmpty else { throw SecretError(message: "secret file \(path) is empty") }
        // One line: a second line would end up in a URL as %0A, or in a header.
        guard !value.contains(where: { $0 == "\n" || $0 == "\r" }) else {
            throw SecretError(message: "secret file \(path) holds more than one line; a secret is one line")
        }
        return Secret(value)
    }

    static func absolute(_ path: String, relativeTo directory: String) -> String {
        if path.hasPrefix("/") { return (path as NSString).standardizingPath }
        let base = directory.isEmpty ? FileManager.default.currentDirectoryPath : directory
        let joined = (base as NSString).appendingPathComponent(path)
        let absolute = joined.hasPrefix("/") ? joined : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(joined)
        return (absolute as NSString).standardizingPath
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }

    /// Loads the tracking-number rules: lacak's own from the first data directory that has
    /// them (unless turned off), then each configured directory.
    static func detector(_ settings: DetectionSettings, dataDirectories: [String], configDirectory: String, file: String, lines: TOMLLineIndex) throws(ConfigError) -> TrackingNumberDetector {
        var directories: [String] = []
        if settings.builtinRules, let builtin = dataDirectories.map({ $0 + "/tracking-numbers" }).first(where: { FileManager.default.fileExists(atPath: $0) }) {
            directories.append(builtin)
        }
        for (index, directory) in settings.ruleDirectories.enumerated() {
            let resolved = absolute(directory, relativeTo: configDirectory)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue else {
                let keyPath = ["detection", "rule_dirs"]
                throw ConfigError(file: file, line: lines.line(for: keyPath), keyPath: keyPath.joined(separator: ".") + "[\(index)]", message: "no directory \(resolved)")
            }
            directories.append(resolved)
        }
        do {
            return try TrackingNumberDetector(directories: directories)
        } catch {
            throw ConfigError(file: error.file, message: "tracking-number rules: \(error.message)")
        }
    }

    /// Lays each courier's preset under it; returns the merged tree and the preset of each courier index.
    static func applyPresets(_ tree: JSONValue, library: PresetLibrary, file: String, lines: TOMLLineIndex) throws(ConfigError) -> (JSONValue, [Int: PresetLibrary.Preset]) {
        guard case .object(var root) = tree, let couriers = root["courier"]?.arrayValue else { return (tree, [:]) }
        var presets: [Int: PresetLibrary.Preset] = [:]
        var merged: [JSONValue] = []
        for (index, courier) in couriers.enumerated() {
            guard case .object(var table) = courier, let nameValue = table["preset"] else {
                merged.append(try library.expandVocabularies(courier, file: file, lines: lines, index: index))
                continue
            }
            let keyPath = ["courier[\(index)]", "preset"]
            guard let name = nameValue.stringValue else {
                throw ConfigError(file: file, line: lines.line(for: keyPath), keyPath: keyPath.joined(separator: "."), message: "expected a string, found \(nameValue.kindName)")
            }
            let preset: PresetLibrary.Preset
            do {
                preset = try library.load(name)
            } catch {
                switch error {
                case .notFound:
                    let known = library.available
                    throw ConfigError(file: file, line: lines.line(for: keyPath), keyPath: keyPath.joined(separator: "."),
                                      message: "no preset '\(name)' in \(library.directories.map { $0 + "/couriers" }.joined(separator: ", "))" + (known.isEmpty ? "" : "; available: \(known.joined(separator: ", "))"))
                case .invalid(let problem):
                    throw problem
                }
            }
            table.members.removeAll { $0.key == "preset" }
            merged.append(try library.expandVocabularies(PresetLibrary.merge(preset: preset.table, user: .object(table)), file: file, lines: lines, index: index))
            presets[index] = preset
        }
        if let index = root.members.firstIndex(where: { $0.key == "courier" }) {
            root.members[index].value = .array(merged)
        }
        return (.object(root), presets)
    }

    /// A decoding error located in the config file, or in the preset a courier inherited the
    /// offending key from.
    static func locate(_ error: DecodingError, file: String, lines: TOMLLineIndex, userTree: JSONValue, tree: JSONValue, presets: [Int: PresetLibrary.Preset]) -> ConfigError {
        var located = configError(error, file: file, lines: lines, tree: tree)
        let parts = located.keyPath.split(separator: ".").map(String.init)
        guard let first = parts.first, first.hasPrefix("courier["), let close = first.firstIndex(of: "]"),
              let index = Int(first[first.index(first.startIndex, offsetBy: 8)..<close]), let preset = presets[index],
              let userCourier = userTree["courier"]?.arrayValue?[index]
        else { return located }
        // The merged status_rule list holds the user's rules first, then the preset's.
        let userRules = userCourier["status_rule"]?.arrayValue?.count ?? 0
        var inner = Array(parts.dropFirst())
        var presetInner = inner
        if let head = inner.first, head.hasPrefix("status_rule["), let position = Int(head.dropFirst(12).dropLast()) {
            if position >= userRules {
                presetInner[0] = "status_rule[\(position - userRules)]"
                inner[0] = "status_rule[-1]"
            }
        }
        // Blame the user's file when the key, or else its table, is theirs; the preset otherwise.
        let fromUser = walk(userCourier, inner) != nil || (walk(preset.table, presetInner) == nil && walk(userCourier, inner.dropLast()) != nil)
        if !fromUser {
            located.file = preset.path
            located.line = preset.lines.line(for: presetInner)
            located.message += " (from preset \(preset.name), used by \(first) in \(file))"
        }
        return located
    }

    /// The value at a TOML key path (`response`, `status_rule[2]`, `match`) in a JSON tree.
    private static func walk(_ root: JSONValue, _ parts: some Collection<String>) -> JSONValue? {
        var current: JSONValue? = root
        for part in parts {
            if let bracket = part.firstIndex(of: "["), let end = part.firstIndex(of: "]") {
                guard let position = Int(part[part.index(after: bracket)..<end]), let list = current?[String(part[..<bracket])]?.arrayValue,
                      position >= 0, position < list.count else { return nil }
                current = list[position]
            } else {
                current = current?[part]
            }
            if current == nil { return nil }
        }
        return current
    }

    /// Translates a decoding error into a located config error.
    static func configError(_ error: DecodingError, file: String, lines: TOMLLineIndex, tree: JSONValue?) -> ConfigError {
        let codingPath: [any CodingKey]
        let message: String
        switch error {
        case .typeMismatch(let type, let context):
            codingPath = context.codingPath
            let found = tree.flatMap { value(at: codingPath, in: $0) }?.kindName ?? "another type"
            let custom = context.debugDescription.hasPrefix("expected") ? context.debugDescription : "expected \(friendlyName(type))"
            message = "\(custom), found \(found)"
        case .valueNotFound(let type, let context):
            codingPath = context.codingPath
            message = "expected \(friendlyName(type)), found nothing"
        case .keyNotFound(let key, let context):
            codingPath = context.codingPath + [key]
            let custom = context.debugDescription
            message = custom.hasPrefix("No value associated") || custom == "required" ? "missing required key" : "missing required key: \(custom)"
        case .dataCorrupted(let context):
            codingPath = context.codingPath
            message = context.debugDescription
        @unknown default:
            return ConfigError(file: file, message: "\(error)")
        }
        let parts = pathParts(codingPath)
        return ConfigError(file: file, line: lines.line(for: parts), keyPath: parts.joined(separator: "."), message: message)
    }

    /// `[courier, 1, request]` → `["courier[1]", "request"]`.
    static func pathParts(_ codingPath: [any CodingKey]) -> [String] {
        var parts: [String] = []
        for key in codingPath {
            if let index = key.intValue, !parts.isEmpty {
                parts[parts.count - 1] += "[\(index)]"
            } else {
                parts.append(key.stringValue)
            }
        }
        return parts
    }

    private static func value(at codingPath: [any CodingKey], in root: JSONValue) -> JSONValue? {
        var current = root
        for key in codingPath {
            if let index = key.intValue, case .array(let elements) = current {
                guard index < elements.count else { return nil }
                current = elements[index]
            } else {
                guard let next = current[key.stringValue] else { return nil }
                current = next
            }
        }
        return current
    }

    private static func friendlyName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "a table" }
            return "a table"
        }
    }
}

/// A secret that cannot be read; says where it was looked for, never what it is.
package struct SecretError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
