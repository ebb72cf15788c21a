import ArgumentParser
import Foundation
import LacakSupport
import LacakConfig
import LacakIntake
import LacakSpool
import LacakTikTokShop

/// `lacak-bench export`: reading a Seller Center export the way intake does (the table reader,
/// then rows into order records), timed, with the process's peak memory.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Measure reading a TikTok Shop order export (.csv or .xlsx) into order records."
    )

    @Option(help: "The export file.")
    var file: String

    @Option(help: "How many times to read it; the median is reported.")
    var repeats: Int = 3

    func run() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let scanner = IntakeScanner(layout: SpoolLayout(root: "/nonexistent"), maxFileBytes: max(bytes.count, 16 << 20),
                                    tables: SellerCenterExport(settings: TikTokShopSettings(), defaultZone: ZoneRules(identifier: "Asia/Jakarta")!))
        let kind: IntakeScanner.FileKind = file.lowercased().hasSuffix(".xlsx") ? .xlsx : .csv
        var times: [Double] = []
        var tableTimes: [Double] = []
        let limits = TableLimits(maxUnpackedBytes: Int.max)
        var orders = 0
        var problems = 0
        for _ in 0..<max(1, repeats) {
            let started = Date()
            let parsed = scanner.parse(bytes, kind: kind)
            times.append(Date().timeIntervalSince(started))
            orders = parsed.records.count
            problems = parsed.problems.count
            // The table reader alone, to tell reading the file from mapping its rows.
            let tableStarted = Date()
            _ = kind == .xlsx ? try XLSXTableReader.read(bytes, limits: limits) : try CSVTableReader.read(bytes, limits: limits)
            tableTimes.append(Date().timeIntervalSince(tableStarted))
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let result: [String: Any] = [
            "file_bytes": bytes.count, "orders": orders, "problems": problems,
            "seconds_median": times.sorted()[times.count / 2], "table_seconds_median": tableTimes.sorted()[tableTimes.count / 2], "max_rss_kib": usage.ru_maxrss,
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
