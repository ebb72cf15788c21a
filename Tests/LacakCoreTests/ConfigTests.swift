import Foundation
import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakTransport
@testable import LacakStore
@testable import LacakConfig
@testable import LacakCouriers
@testable import LacakSpool
@testable import LacakPipeline
@testable import LacakDaemon

@Suite struct ConfigTests {
    let loader = ConfigLoader(environment: ["LACAK_TEST_API_KEY": "secret-value-123"])

    func load(_ text: String) throws(ConfigError) -> LacakConfig {
        try loader.load(text: text, path: "/etc/lacak/test.toml")
    }

    func configError(_ text: String) -> ConfigError? {
        do {
            _ = try load(text)
            return nil
        } catch {
            return error
        }
    }

    var valid: String { (try? TestConfig.inlineBinderbyte(port: 8080, root: "/tmp/x")) ?? "" }

    /// The rules the Binderbyte preset brings: its own and those of the vocabularies it lists.
    var presetRuleCount: Int {
        let text = (try? String(contentsOfFile: TestConfig.dataDirectory + "/couriers/binderbyte.toml", encoding: .utf8)) ?? ""
        var count = text.components(separatedBy: "[[status_rule]]").count - 1
        let line = text.split(separator: "\n").first { $0.hasPrefix("vocabularies = ") } ?? ""
        for name in line.split(separator: "\"").enumerated().filter({ $0.offset % 2 == 1 }).map(\.element) {
            let vocabulary = (try? String(contentsOfFile: TestConfig.dataDirectory + "/couriers/vocabulary/\(name).toml", encoding: .utf8)) ?? ""
            count += vocabulary.components(separatedBy: "[[status_rule]]").count - 1
        }
        return count
    }

    @Test func loadsAValidFile() throws {
        let config = try load(valid)
        #expect(config.daemon.spoolDirectory == "/tmp/x/spool")
        #expect(config.daemon.timeZone.identifier == "Asia/Jakarta")
        #expect(config.couriers.count == 1)
        let courier = config.couriers[0]
        #expect(courier.codes == ["jne", "jnt", "sicepat"])
        #expect(courier.secrets["api_key"]?.value == "secret-value-123")
        #expect("\(courier.secrets["api_key"]!)" == "<redacted>")
        #expect(courier.json?.statusRules.count == presetRuleCount)
        #expect(config.daemon.pollIntervals.interval(for: .outForDelivery).seconds == 1800)
    }

    @Test func loadsTheShippedConfigs() throws {
        let environment = ["LACAK_DEMO_API_KEY": "k", "BINDERBYTE_API_KEY": "k"]
        _ = try ConfigLoader(environment: environment).load(path: Binaries.packageRoot + "/config/demo.toml")
        _ = try ConfigLoader(environment: environment, resolveSecrets: false).load(path: Binaries.packageRoot + "/config/lacak.toml")
    }

    @Test(arguments: [
        ("[tiktokshop]\ntime_zone = \"Mars/Olympus\"", "tiktokshop.time_zone", "unknown time zone 'Mars/Olympus'"),
        ("[tiktokshop]\ntime_formats = [\"dd/MM/yyyy QQ\"]", "tiktokshop.time_formats", "dd/MM/yyyy QQ"),
        ("[tiktokshop]\nmeta_colums = []", "tiktokshop.meta_colums", "did you mean 'meta_columns'"),
        ("[tiktokshop.columns]\norder_number = \"No Pesanan\"", "tiktokshop.columns.order_number", "unknown export field"),
        ("[tiktokshop.columns]\norder_id = []", "tiktokshop.columns.order_id", "header names must not be empty"),
        ("[tiktokshop.providers]\n\"Kurir Kita\" = \"J&T\"", "tiktokshop.providers.Kurir Kita", "'j&t' is not a courier code"),
        ("[tiktokshop.statuses]\n\"Sedang Diproses\" = \"shipping\"", "tiktokshop.statuses.Sedang Diproses", "unknown shop status 'shipping'"),
    ])
    func tiktokShopErrorsNameTheLineAndKey(table: String, key: String, message: String) throws {
        let text = valid + "\n" + table + "\n"
        let error = try #require(configError(text))
        #expect(error.line == text.split(separator: "\n", omittingEmptySubsequences: false).count - 1, "\(error)")
        #expect(error.keyPath == key, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    static let source = """

        [[source]]
        kind = "tiktokshop"
        app_key = "abc123"
        shop_cipher = "ROW_x"
        [source.credentials]
        app_secret = { env = "LACAK_TEST_API_KEY" }
        access_token = { env = "LACAK_TEST_API_KEY" }
        refresh_token = { env = "LACAK_TEST_API_KEY" }

        """

    @Test(arguments: [
        ("kind = \"tiktokshop\"", "kind = \"shopee\"", "source[0].kind", "unknown source kind 'shopee'"),
        ("app_key = \"abc123\"", "app_key = \"abc 123\"", "source[0].app_key", "letters and digits"),
        ("shop_cipher = \"ROW_x\"", "shop_cipher = \"ROW_x\"\nendpoint = \"http://open-api.example.com\"", "source[0].endpoint", "must be https://"),
        ("shop_cipher = \"ROW_x\"", "shop_cipher = \"ROW_x\"\npage_size = 500", "source[0].page_size", "between 1 and 100"),
        ("shop_cipher = \"ROW_x\"", "shop_cipher = \"ROW_x\"\nrate_limit = 80", "source[0].rate_limit", "at most 50"),
        ("refresh_token = { env = \"LACAK_TEST_API_KEY\" }", "", "source[0].credentials", "refresh_token is missing"),
        ("refresh_token = { env = \"LACAK_TEST_API_KEY\" }", "refresh_token = { env = \"LACAK_TEST_API_KEY\" }\nrefresh = { env = \"X\" }", "source[0].credentials.refresh", "unknown credential"),
        ("refresh_token = { env = \"LACAK_TEST_API_KEY\" }", "refresh_token = { env = \"LACAK_UNSET_TOKEN\" }", "source[0].credentials.refresh_token", "LACAK_UNSET_TOKEN is not set"),
    ])
    func sourceErrorsNameTheLineAndKey(from: String, to: String, key: String, message: String) throws {
        let text = valid + Self.source.replacingOccurrences(of: from, with: to)
        let error = try #require(configError(text))
        #expect(error.keyPath == key, "\(error)")
        #expect(error.line != nil, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    @Test func aSourceTakesItsDefaultsAndLoopbackHTTP() throws {
        let config = try load(valid + Self.source.replacingOccurrences(of: "shop_cipher = \"ROW_x\"", with: "shop_cipher = \"ROW_x\"\nendpoint = \"http://127.0.0.1:8080/\""))
        let source = try #require(config.sources.first)
        #expect(source.id == "tiktokshop")
        #expect(source.endpoint == "http://127.0.0.1:8080")
        #expect(source.authEndpoint == "https://auth.tiktok-shops.com")
        #expect(source.interval.seconds == 300)
        #expect(source.secrets["app_secret"]?.value == "secret-value-123")
    }

    @Test func tiktokShopTablesExtendTheBuiltInOnes() throws {
        let config = try load(valid + """

            [tiktokshop]
            time_zone = "Asia/Jayapura"
            time_formats = ["MM/dd/yyyy HH:mm:ss"]
            meta_columns = ["Seller Note"]

            [tiktokshop.columns]
            order_id = "No Pesanan"
            tracking_id = ["Resi", "AWB"]

            [tiktokshop.providers]
            "Kurir Kita" = "JNE"
            """)
        #expect(config.tiktokShop.timeZone?.identifier == "Asia/Jayapura")
        #expect(config.tiktokShop.timeFormats.map(\.text) == ["MM/dd/yyyy HH:mm:ss"])
        #expect(config.tiktokShop.columns == [.orderID: ["No Pesanan"], .trackingID: ["Resi", "AWB"]])
        #expect(config.tiktokShop.providers == ["Kurir Kita": "jne"])
        #expect(config.tiktokShop.metaColumns == ["Seller Note"])
        #expect(try load(valid).tiktokShop.timeFormats.map(\.text) == TikTokShopSettings.defaultTimeFormats)
    }

    @Test func resolvesRelativePathsBesideTheFile() throws {
        let config = try load(valid.replacingOccurrences(of: "\"/tmp/x/spool\"", with: "\"spool\""))
        #expect(config.daemon.spoolDirectory == "/etc/lacak/spool")
    }

    @Test func unknownKeysNameTheLineAndSuggest() throws {
        let text = valid.replacingOccurrences(of: "max_in_flight = 8", with: "max_inflight = 8")
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("max_inflight") }! + 1
        let error = try #require(configError(text))
        #expect(error.line == line)
        #expect(error.keyPath == "courier[0].max_inflight")
        #expect(error.message.contains("did you mean 'max_in_flight'"))
        #expect(error.description.hasPrefix("/etc/lacak/test.toml:\(line): courier[0].max_inflight: unknown key"))
    }

    @Test func wrongTypesSayWhatWasExpected() throws {
        let text = valid.replacingOccurrences(of: "max_in_flight = 8", with: "max_in_flight = \"eight\"")
        let error = try #require(configError(text))
        #expect(error.keyPath == "courier[0].max_in_flight")
        #expect(error.message == "expected an integer, found a string")
        #expect(error.line != nil)
    }

    @Test func missingRequiredKeysNameTheTable() throws {
        let text = valid.replacingOccurrences(of: "event_description = \"desc\"\n", with: "")
        let error = try #require(configError(text))
        #expect(error.keyPath == "courier[0].response.event_description")
        #expect(error.message.hasPrefix("missing required key"))
        let responseLine = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("[courier.response]") }! + 1
        #expect(error.line == responseLine)
    }

    @Test func badValuesAreLocated() throws {
        let cases: [(String, String, String)] = [
            ("DELIVERED = \"delivered\"", "DELIVERED = \"arrived\"", "'arrived' (for \"DELIVERED\") is not a carrier status"),
            ("vocabularies = [\"jnt\"", "vocabularies = [\"jnt-and-more\"", "no vocabulary 'jnt-and-more'"),
            ("time_format = [\"yyyy-MM-dd HH:mm:ss\"", "time_format = [\"yyyy-QQ\"", "invalid time format"),
            ("time_zone = \"Asia/Jakarta\"", "time_zone = \"Mars/Olympus\"", "unknown time zone"),
            ("timeout = \"5s\"", "timeout = \"5 parsecs\"", "is not a duration"),
            ("id = \"binderbyte\"", "id = \"Binder Byte\"", "is not a courier id"),
            ("endpoint = \"http://127.0.0.1:8080\"", "endpoint = \"ftp://127.0.0.1\"", "must start with http:// or https://"),
            ("path = \"/v1/track?api_key={api_key}&courier={courier_code}&awb={tracking_number}\"", "path = \"/v1/track?awb={tracking_nr}\"", "unknown placeholder {tracking_nr}"),
        ]
        for (original, replacement, message) in cases {
            let text = valid.replacingOccurrences(of: original, with: replacement)
            #expect(text != valid, "fixture does not contain \(original)")
            let error = try #require(configError(text), "\(replacement) was accepted")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.line != nil, "\(error)")
        }
    }

    @Test func secretsAreNeverInline() throws {
        let inline = valid.replacingOccurrences(of: "api_key = { env = \"LACAK_TEST_API_KEY\" }", with: "api_key = \"plain-text-key\"")
        let error = try #require(configError(inline))
        #expect(error.message.contains("not written inline"))
        #expect(!error.description.contains("plain-text-key") || error.message.contains("inline"))

        let missing = try #require(ConfigLoader(environment: [:]).loadError(valid))
        #expect(missing.message == "environment variable LACAK_TEST_API_KEY is not set")
        #expect(missing.keyPath == "courier[0].credentials.api_key")
    }

    @Test func readsSecretsFromFilesAndCredentials() throws {
        let directory = TestDirectory()
        try directory.write("key.txt", "file-secret-999\n")
        try directory.write("creds/binderbyte", "credential-secret-777")
        let fromFile = valid.replacingOccurrences(of: "{ env = \"LACAK_TEST_API_KEY\" }", with: "{ file = \"key.txt\" }")
        let config = try ConfigLoader(environment: [:]).load(text: fromFile, path: directory.join("lacak.toml"))
        #expect(config.couriers[0].secrets["api_key"]?.value == "file-secret-999")

        let fromCredential = valid.replacingOccurrences(of: "{ env = \"LACAK_TEST_API_KEY\" }", with: "{ credential = \"binderbyte\" }")
        let systemd = try ConfigLoader(environment: ["CREDENTIALS_DIRECTORY": directory.join("creds")]).load(text: fromCredential, path: directory.join("lacak.toml"))
        #expect(systemd.couriers[0].secrets["api_key"]?.value == "credential-secret-777")
        #expect(config.redactor.redact("GET /x?api_key=file-secret-999&awb=1") == "GET /x?api_key=***&awb=1")
    }

    @Test func syntaxErrorsCarryTheirLine() throws {
        let error = try #require(configError("[daemon]\nspool_dir = \"/tmp\"\nstate_dir = /oops\n"))
        #expect(error.line == 3)
        #expect(error.message.hasPrefix("TOML syntax error"))
    }

    /// Found by FuzzConfig: toml++ asserted (SIGABRT, in release builds too) on a header whose
    /// key starts with a character no key can start with.
    @Test(arguments: [("[&]", 1), ("a = 1\n[[ %x]]\n", 2), ("a = 1\n\n[\n", 3), ("[\t\u{7F}]", 1), ("[é]", 1), ("\u{FEFF}[\n\"\"\"", 1)])
    func headersWithoutAKeyAreSyntaxErrors(text: String, line: Int) throws {
        let error = try #require(configError(text))
        #expect(error.line == line)
        #expect(error.message.contains("a table header needs a key after '['"), "\(error)")
    }

    /// Found by FuzzConfig: toml++ asserted on `}` where an array expects a value.
    @Test(arguments: ["s = [}", "s = [1, }", "[a]\ns = [\n  \"x\", # note\n}", "s = [[}]]", "s = [{a = [}]}]"])
    func aBraceInsideAnArrayIsASyntaxError(text: String) throws {
        let error = try #require(configError(text))
        #expect(error.message == "TOML syntax error: an array needs a value or ']', found '}'", "\(error)")
        #expect(error.line == text.split(separator: "\n", omittingEmptySubsequences: false).count)
    }

    @Test func theHeaderCheckSkipsStringsCommentsAndArrays() throws {
        // Lines starting with '[' that are not headers: inside multi-line strings, arrays, comments.
        let text = valid + """

            [templates]
            order_created = \"\"\"
            [& not a header]
            \\\"\"\" still the string \"\"\"
            seller_late_dispatch = '''
            [% nor this]'''
            """ + "\n# [& a comment\n"
        let tricky = #"""
            a = [
              [ {x = 1} ],
              "]", '[&',
            ] # [&
            b = "[&" # ]
            c = """""[&"""""
            """#
        #expect(TOMLGuard.check(tricky) == nil)
        #expect(TOMLGuard.check(text) == nil)
        // Both are valid TOML: the parser agrees with the guard.
        _ = try TOMLReader.tree(tricky, file: "tricky.toml")
        _ = try TOMLReader.tree(text, file: "text.toml")
        #expect(TOMLGuard.check(tricky + "\n[&]") == TOMLGuard.Problem(line: 7, message: "TOML syntax error: a table header needs a key after '[', found '&'"))
    }

    @Test func aNulByteIsAnErrorNotTheEndOfTheFile() throws {
        let error = try #require(configError(valid + "\n\u{0}unknown_key = 1\n"))
        #expect(error.message == "the file contains a NUL byte")
    }

    @Test func duplicateCourierIdsAreRejected() throws {
        let twice = valid + "\n" + valid.components(separatedBy: "[[courier]]")[1].replacingOccurrences(of: "\n", with: "\n").prefixingHeader()
        let error = try #require(configError(twice))
        #expect(error.message.contains("used twice"))
    }

    @Test func unknownTemplateKindsAndPlaceholdersAreRejected() throws {
        let kind = try #require(configError(valid + "\n[templates.en.order_teleported]\ntitle = \"x\"\n"))
        #expect(kind.keyPath == "templates.en.order_teleported")
        let placeholder = try #require(configError(valid + "\n[templates.id.order_delivered]\nbuyer = \"Hai {nama}\"\n"))
        #expect(placeholder.message.contains("{nama}"))
        let good = try load(valid + "\n[templates.id.order_delivered]\ntitle = \"Store Update: Sampai!\"\nseller = \"\"\n")
        #expect(good.templates.text(.orderDelivered, locale: .indonesian).title == "Store Update: Sampai!")
        #expect(good.templates.text(.orderDelivered, locale: .indonesian).seller == "")
    }

    @Test func presetsAreOverriddenKeyByKey() throws {
        let directory = TestDirectory()
        let text = TestConfig.daemon(root: directory.path) + TestConfig.courier(preset: "binderbyte", endpoint: "http://127.0.0.1:1", extra: """
            burst = 3
            [courier.response]
            service = "summary.courier"
            [[courier.status_rule]]
            match = "dititipkan"
            status = "available_for_pickup"
            """)
        let courier = try ConfigLoader(environment: TestConfig.environment).load(text: text, path: directory.join("lacak.toml")).couriers[0]
        #expect(courier.burst == 3)
        #expect(courier.rateLimit == nil, "rate_limit = 0 in the config beats the preset's 5")
        #expect(courier.name == "Binderbyte")
        #expect(courier.endpoint == "http://127.0.0.1:1")
        #expect(courier.json?.response.service?.description == "summary.courier")
        #expect(courier.json?.response.events.description == "history[*]", "keys the user did not set come from the preset")
        #expect(courier.json?.statusRules.first?.pattern == "dititipkan")
        #expect(courier.json?.statusRules.count == presetRuleCount + 1)
    }

    @Test func presetProblemsNameTheRightFile() throws {
        let directory = TestDirectory()
        try directory.write("data/couriers/broken.toml", "adapter = \"json\"\n[request]\npath = \"/t/{tracking_number}\"\n[response]\nevents = \"e[*]\"\nevent_time = 5\nevent_description = \"d\"\n")
        let base = TestConfig.daemon(root: directory.path).replacingOccurrences(of: "data_dir = \"\(TestConfig.dataDirectory)\"", with: "data_dir = \"data\"")
        let broken = base + "[[courier]]\nid = \"b\"\npreset = \"broken\"\nendpoint = \"http://127.0.0.1:1\"\n"
        let error = try #require(ConfigLoader(environment: [:]).loadError(broken, path: directory.join("lacak.toml")))
        #expect(error.file == directory.join("data/couriers/broken.toml"))
        #expect(error.line == 6)
        #expect(error.message.contains("from preset broken"))
        // The same mistake made in the config itself is the config's.
        let own = broken + "[courier.response]\nevent_time = 7\n"
        let ownError = try #require(ConfigLoader(environment: [:]).loadError(own, path: directory.join("lacak.toml")))
        #expect(ownError.file == directory.join("lacak.toml"))

        let unknown = try #require(ConfigLoader(environment: [:]).loadError(base + "[[courier]]\nid = \"x\"\npreset = \"nosuch\"\n", path: directory.join("lacak.toml")))
        #expect(unknown.keyPath == "courier[0].preset")
        #expect(unknown.message.contains("no preset 'nosuch'"))
        #expect(unknown.message.contains("broken"), "lists the presets it found")

        try directory.write("data/couriers/syntax.toml", "adapter = \"json\"\n[request\n")
        let syntax = try #require(ConfigLoader(environment: [:]).loadError(base + "[[courier]]\nid = \"s\"\npreset = \"syntax\"\n", path: directory.join("lacak.toml")))
        #expect(syntax.file.hasSuffix("syntax.toml"))
        #expect(syntax.line == 2)
    }

    @Test func badDetectionRulesAreConfigErrors() throws {
        let directory = TestDirectory()
        try directory.write("rules/bad.json", #"{"name": "X", "courier_code": "x", "tracking_numbers": [{"name": "x", "regex": "(", "validation": {}}]}"#)
        let text = TestConfig.daemon(root: directory.path) + "[detection]\nrule_dirs = [\"rules\"]\n"
        let error = try #require(ConfigLoader(environment: [:]).loadError(text, path: directory.join("lacak.toml")))
        #expect(error.file == directory.join("rules/bad.json"))
        #expect(error.message.contains("not a valid regular expression"))
    }

    @Test func lineIndexUnderstandsTOMLStructure() {
        let index = TOMLLineIndex(source: """
            # comment
            [daemon]
            spool_dir = "/x"  # trailing
            list = [
              "a",
              "b = c",
            ]
            text = \"\"\"
            key = not a key
            \"\"\"
            [[courier]]
            id = "a"
            [[courier]]
            id = "b"
            [courier.request]
            "quoted.key" = 1
            [[courier.status_rule]]
            status = "x"
            [[courier.status_rule]]
            status = "y"
            """)
        #expect(index.line(for: ["daemon", "spool_dir"]) == 3)
        #expect(index.line(for: ["daemon", "text"]) == 8)
        #expect(index.line(for: ["daemon", "key"]) == 2)
        #expect(index.line(for: ["courier[1]", "id"]) == 14)
        #expect(index.line(for: ["courier[1]", "request", "quoted.key"]) == 16)
        #expect(index.line(for: ["courier[1]", "status_rule[1]", "status"]) == 20)
        #expect(index.line(for: ["courier[1]", "status_rule[0]", "match"]) == 17)
    }
}

extension ConfigLoader {
    func loadError(_ text: String, path: String = "/etc/lacak/test.toml") -> ConfigError? {
        do {
            _ = try load(text: text, path: path)
            return nil
        } catch {
            return error
        }
    }
}

extension String {
    func prefixingHeader() -> String { "[[courier]]" + self }
}
