

/// Where a secret comes from: an environment variable, a file, or a systemd credential.
///
/// A secret is never written in the config itself, so the config can be shared and logged.
package enum SecretReference: Sendable, Hashable, Decodable, CustomStringConvertible {
    case environment(String)
    case file(String)
    /// A name under `$CREDENTIALS_DIRECTORY`, as systemd's `LoadCredential=` provides.
    case credential(String)

    private enum Keys: String, CodingKey, CaseIterable {
        case env, file, credential
    }

    package init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), (try? single.decode(String.self)) != nil {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "secrets are not written inline; use { env = \"NAME\" }, { file = \"/path\" } or { credential = \"name\" }"))
        }
        try decoder.rejectUnknownKeys(Keys.self)
        let container = try decoder.container(keyedBy: Keys.self)
        let present = Keys.allCases.filter { container.contains($0) }
        guard present.count == 1, let key = present.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "give exactly one of env, file or credential"))
        }
        let name = try container.decode(String.self, forKey: key)
        guard !name.isEmpty else { throw container.invalid(key, "must not be empty") }
        switch key {
        case .env: self = .environment(name)
        case .file: self = .file(name)
        case .credential:
            guard !name.contains("/") else { throw container.invalid(key, "a credential name cannot contain '/'") }
            self = .credential(name)
        }
    }

    package var description: String {
        switch self {
        case .environment(let name): return "env \(name)"
        case .file(let path): return "file \(path)"
        case .credential(let name): return "credential \(name)"
        }
    }
}
