import Foundation
package import LacakSupport
import LacakSpool

/// A shop's access and refresh tokens, with when they expire (Unix seconds, as TikTok gives
/// `*_expire_in`: absolute times, not durations).
package struct TokenSet: Sendable, Equatable {
    package var accessToken: Secret
    package var accessExpires: Int64?
    package var refreshToken: Secret
    package var refreshExpires: Int64?

    package init(accessToken: Secret, accessExpires: Int64? = nil, refreshToken: Secret, refreshExpires: Int64? = nil) {
        self.accessToken = accessToken
        self.accessExpires = accessExpires
        self.refreshToken = refreshToken
        self.refreshExpires = refreshExpires
    }

    /// Refresh when the access token has less than this left (TikTok's last a week).
    package static let refreshMargin: Int64 = 3600

    /// Whether the access token is expired or about to be.
    package func needsRefresh(now: Timestamp) -> Bool {
        guard let accessExpires else { return false }
        return accessExpires - now.milliseconds / 1000 < Self.refreshMargin
    }

    /// The tokens of a Refresh Access Token answer's `data`.
    package static func refreshed(_ data: JSONValue) -> TokenSet? {
        guard let access = data["access_token"]?.stringValue, !access.isEmpty, access.count <= 4096,
              let refresh = data["refresh_token"]?.stringValue, !refresh.isEmpty, refresh.count <= 4096,
              !access.contains(where: \.isNewline), !refresh.contains(where: \.isNewline) else { return nil }
        return TokenSet(accessToken: Secret(access), accessExpires: data["access_token_expire_in"]?.integerValue,
                        refreshToken: Secret(refresh), refreshExpires: data["refresh_token_expire_in"]?.integerValue)
    }
}

/// The refreshed tokens of one source, kept in the state directory (mode 0600, written
/// atomically) so a restart uses the newest, never logged.
///
/// The file remembers a fingerprint of the refresh token configured when it was written: a
/// seller who authorizes the app again and configures the new tokens gets them used, not the
/// file's older ones.
package struct TokenFile: Sendable {
    package let path: String

    package init(stateDirectory: String, sourceID: String) {
        path = (stateDirectory as NSString).appendingPathComponent("source-\(sourceID).tokens.json")
    }

    static func fingerprint(_ secret: Secret) -> String {
        String(Digest.hex(Digest.sha256(Array(secret.value.utf8))).prefix(16))
    }

    /// The file's tokens when they descend from `configured`; else `configured`.
    package func load(configured: TokenSet) -> TokenSet {
        guard let data = FileManager.default.contents(atPath: path), data.count < 64 * 1024,
              let json = try? JSONParser().parse(Array(data)),
              json["origin"]?.stringValue == Self.fingerprint(configured.refreshToken),
              let tokens = TokenSet.refreshed(json) else { return configured }
        return tokens
    }

    /// Writes `tokens` (descended from `configured`) durably, readable by lacak's user only.
    package func save(_ tokens: TokenSet, configured: TokenSet) throws(TokenFileError) {
        var members: [(key: String, value: JSONValue)] = [
            ("origin", .string(Self.fingerprint(configured.refreshToken))),
            ("access_token", .string(tokens.accessToken.value)), ("refresh_token", .string(tokens.refreshToken.value)),
        ]
        if let expires = tokens.accessExpires { members.append(("access_token_expire_in", .integer(expires))) }
        if let expires = tokens.refreshExpires { members.append(("refresh_token_expire_in", .integer(expires))) }
        let bytes = JSONWriter(pretty: true).bytes(.object(JSONObject(members)))
        // A name of this process's own: the daemon and a --check may refresh at once.
        let temporary = path + ".\(getpid()).part"
        do {
            try AtomicFiles.writeDurably(bytes, to: temporary, mode: 0o600)
            try AtomicFiles.rename(temporary, to: path)
            try AtomicFiles.syncDirectory((path as NSString).deletingLastPathComponent)
        } catch {
            unlink(temporary)
            throw TokenFileError(path: path, reason: error.description)
        }
    }
}

/// The token file could not be written.
package struct TokenFileError: Error, Sendable, CustomStringConvertible {
    package var path: String
    package var reason: String
    package var description: String { "cannot keep the refreshed tokens in \(path): \(reason)" }
}

/// Where a source's pulls are: the window of update times being read (Unix seconds,
/// `[from, until)`) and the page token of the next page, stored in state with each page's
/// orders. `until` is nil between pulls: the next one reads from `from` to its own now.
package struct PullCursor: Sendable, Equatable {
    package var from: Int64
    package var until: Int64?
    package var pageToken: String?

    package init(from: Int64, until: Int64? = nil, pageToken: String? = nil) {
        self.from = from
        self.until = until
        self.pageToken = pageToken
    }

    package init?(text: String) {
        guard let json = try? JSONParser().parse(Array(text.utf8)), let from = json["from"]?.integerValue else { return nil }
        self.from = from
        until = json["until"]?.integerValue
        pageToken = json["page_token"]?.stringValue
    }

    package var text: String {
        var members: [(key: String, value: JSONValue)] = [("from", .integer(from))]
        if let until { members.append(("until", .integer(until))) }
        if let pageToken { members.append(("page_token", .string(pageToken))) }
        return String(decoding: JSONWriter(pretty: false).bytes(.object(JSONObject(members))), as: UTF8.self)
    }
}
