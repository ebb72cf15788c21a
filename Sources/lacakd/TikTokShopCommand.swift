import ArgumentParser
import Foundation
import LacakSupport
import LacakTransport
import LacakConfig
import LacakSpool
import LacakTikTokShop

/// `lacakd tiktokshop …`: the two setup steps a seller needs before `[[source]] kind =
/// "tiktokshop"` can pull, so that none of them means writing code or signing by hand.
struct TikTokShopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiktokshop",
        abstract: "Set up TikTok Shop as an order source: trade an authorization code for tokens, find the shop cipher.",
        subcommands: [AuthorizeCommand.self, ShopsCommand.self]
    )
}

/// What both setup commands take: the app's key and secret.
struct AppOptions: ParsableArguments {
    @Option(help: "The app key (Partner Center, App & Service, your app).")
    var appKey: String

    @Option(help: "A file holding the app secret (one line; keep it 0600).")
    var appSecretFile: String

    func secret() throws -> Secret {
        try readSecret(appSecretFile, what: "app secret")
    }
}

/// Reads a one-line secret from a file, refusing anything else.
func readSecret(_ path: String, what: String) throws -> Secret {
    guard let data = FileManager.default.contents(atPath: path), data.count <= 64 * 1024, let text = String(data: data, encoding: .utf8) else {
        throw ValidationError("cannot read the \(what) from \(path)")
    }
    let value = text.trimmingWhitespace()
    guard !value.isEmpty, !value.contains(where: \.isNewline) else { throw ValidationError("\(path) must hold the \(what) on one line") }
    return Secret(value)
}

/// `lacakd tiktokshop authorize`: Get Access Token for the code the seller's authorization gave.
struct AuthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Trade the auth_code of a seller's authorization for an access and a refresh token.",
        discussion: "Writes access_token and refresh_token (mode 0600) into --tokens-dir, for the [[source]] credentials to name; prints no token."
    )

    @OptionGroup var app: AppOptions

    @Option(help: "The auth_code from the authorization's redirect (valid for a few minutes); `-` reads it from standard input, out of ps and shell history.")
    var authCode: String

    @Option(help: "Directory to write access_token and refresh_token into (created 0700).")
    var tokensDir: String

    @Option(help: "TikTok Shop's auth host.")
    var authEndpoint: String = "https://auth.tiktok-shops.com"

    func run() async throws {
        var code = authCode
        if code == "-" {
            code = (readLine(strippingNewline: true) ?? "").trimmingWhitespace()
            guard !code.isEmpty, code.count <= 4096 else { throw ValidationError("no auth code on standard input") }
        }
        let api = TikTokShopAPI(settings: SourceSettings(appKey: app.appKey, authEndpoint: authEndpoint,
                                                         secrets: ["app_secret": try app.secret(), "auth_code": Secret(code)]))
        let client = HTTPClient()
        defer { client.shutdown() }
        let data = try await fetch(api.accessToken(authCode: code), api: api, client: client)
        guard let tokens = TokenSet.refreshed(data) else { throw ValidationError("TikTok Shop answered without tokens") }
        try FileManager.default.createDirectory(atPath: tokensDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for (name, secret) in [("access_token", tokens.accessToken), ("refresh_token", tokens.refreshToken)] {
            let path = (tokensDir as NSString).appendingPathComponent(name)
            // Created 0600 from the start (never readable by others, even for a moment), then
            // renamed over any older file.
            do {
                try AtomicFiles.writeDurably(Array((secret.value + "\n").utf8), to: path + ".part", mode: 0o600)
                try AtomicFiles.rename(path + ".part", to: path)
            } catch {
                throw ValidationError("cannot write \(path): \(error)")
            }
        }
        try? AtomicFiles.syncDirectory(tokensDir)
        let until = tokens.accessExpires.map { Timestamp(seconds: $0).iso8601(in: .utc) } ?? "unknown"
        print("tokens written to \(tokensDir)/access_token and \(tokensDir)/refresh_token (access token valid until \(until); lacak refreshes it from then on)")
    }
}

/// `lacakd tiktokshop shops`: Get Authorized Shops, with each shop's cipher.
struct ShopsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shops",
        abstract: "List the shops the access token may act for, with the shop_cipher each [[source]] needs."
    )

    @OptionGroup var app: AppOptions

    @Option(help: "A file holding the access token (as `authorize` wrote it).")
    var accessTokenFile: String

    @Option(help: "TikTok Shop's Open API host.")
    var endpoint: String = "https://open-api.tiktokglobalshop.com"

    func run() async throws {
        let api = TikTokShopAPI(settings: SourceSettings(appKey: app.appKey, endpoint: endpoint, secrets: ["app_secret": try app.secret()]))
        let client = HTTPClient()
        defer { client.shutdown() }
        let token = try readSecret(accessTokenFile, what: "access token")
        let data = try await fetch(api.authorizedShops(accessToken: token, now: .now), api: api, client: client)
        let shops = data["shops"]?.arrayValue ?? []
        guard !shops.isEmpty else {
            print("the token may act for no shop; authorize the app for the shop in Seller Center first")
            throw ExitCode.failure
        }
        for shop in shops {
            let name = TerminalText.escaped(shop["name"]?.stringValue ?? "?")
            print("\(name)  (id \(shop["id"]?.stringValue ?? "?"), region \(shop["region"]?.stringValue ?? "?"))")
            print("  shop_cipher = \"\(TerminalText.escaped(shop["cipher"]?.stringValue ?? ""))\"")
        }
    }
}

/// Sends a setup request and returns its `data`, or fails with TikTok's reason (redacted).
private func fetch(_ request: HTTPRequest, api: TikTokShopAPI, client: HTTPClient) async throws -> JSONValue {
    let answer: Result<HTTPResponse, TransportError>
    do { answer = .success(try await client.send(request)) } catch { answer = .failure(error) }
    switch TikTokShopAPI.data(of: answer, redactor: api.redactor) {
    case .success(let data): return data
    case .failure(let failure):
        FileHandle.standardError.write(Data("lacakd: \(failure.message)\n".utf8))
        throw ExitCode.failure
    }
}
