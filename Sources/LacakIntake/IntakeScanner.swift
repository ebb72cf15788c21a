import Foundation
package import LacakSupport
package import LacakSpool

/// Finds order files in `incoming/`, reads them, and after their orders are committed removes
/// them or moves them to `rejected/` with an explanation.
///
/// A file is removed only after the caller has committed its good records, so a crash in
/// between re-reads it; applying the same records twice changes nothing.
package struct IntakeScanner: Sendable {
    package let layout: SpoolLayout
    package let maxFileBytes: Int
    /// A file modified this recently that does not parse is left for the next round.
    package var settleSeconds: Double = 5
    /// Turns spreadsheet files (`.csv`, `.xlsx`) into records; without one they are not read.
    package var tables: (any TableIntake)?

    package init(layout: SpoolLayout, maxFileBytes: Int, tables: (any TableIntake)? = nil) {
        self.layout = layout
        self.maxFileBytes = maxFileBytes
        self.tables = tables
    }

    /// The kind of an intake file, from its name's extension.
    package enum FileKind: Sendable, Equatable {
        case json, jsonLines, csv, xlsx
        /// A legacy binary Excel workbook, refused with advice.
        case xls

        init?(name: String) {
            let lowered = name.lowercased()
            if lowered.hasSuffix(".json") { self = .json }
            else if lowered.hasSuffix(".jsonl") { self = .jsonLines }
            else if lowered.hasSuffix(".csv") { self = .csv }
            else if lowered.hasSuffix(".xlsx") { self = .xlsx }
            else if lowered.hasSuffix(".xls") { self = .xls }
            else { return nil }
        }

        var isTable: Bool { self != .json && self != .jsonLines }
    }

    /// One file read from `incoming/`.
    package struct Item: Sendable {
        package var name: String
        package var path: String
        package var parsed: IntakeFile
    }

    /// What happened to the files of one scan.
    package enum Disposition: Sendable, Equatable {
        case accepted
        case rejected(reasons: Int)
        case deferred
    }

    /// Intake file names in `incoming/`, oldest name first; dotfiles and other extensions are
    /// ignored, so writers can create `.name.tmp` and rename it when complete.
    package func pendingFiles() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: layout.incoming) else { return [] }
        return names.filter { name in
            guard !name.hasPrefix("."), let kind = FileKind(name: name) else { return false }
            return !kind.isTable || tables != nil
        }.sorted()
    }

    /// Reads one file; nil when it should be left alone this round (vanished, still being written).
    ///
    /// The file is opened first (non-blocking, not following a symlink) and then inspected
    /// through its descriptor, so a file swapped for a FIFO between a look and the open can
    /// neither block intake nor be mistaken for another.
    package func read(_ name: String, now: Timestamp = .now) -> Item? {
        let path = layout.incoming + "/" + name
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: return nil
            case ELOOP: return Item(name: name, path: path, parsed: IntakeFile.failure("a symbolic link; drop the file itself"))
            case EACCES, EPERM: return Item(name: name, path: path, parsed: IntakeFile.failure("lacak cannot read it (permission denied); give the lacak group read access and drop it again"))
            default: return Item(name: name, path: path, parsed: IntakeFile.failure("cannot be opened: \(String(cString: strerror(errno)))"))
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return Item(name: name, path: path, parsed: IntakeFile.failure("not a regular file"))
        }
        let modified = Timestamp(seconds: Int64(info.st_mtim.tv_sec))
        if Int(info.st_size) > maxFileBytes {
            return Item(name: name, path: path, parsed: IntakeFile.failure("the file is \(info.st_size) bytes, more than the \(maxFileBytes) allowed (max_intake_file_size); split it"))
        }
        guard let bytes = Self.readFile(fd, limit: maxFileBytes) else {
            return Item(name: name, path: path, parsed: IntakeFile.failure("cannot be read: \(String(cString: strerror(errno)))"))
        }
        let parsed = parse(bytes, kind: FileKind(name: name) ?? .json)
        if parsed.looksIncomplete, Double(now.milliseconds - modified.milliseconds) / 1000 < settleSeconds {
            return nil
        }
        return Item(name: name, path: path, parsed: parsed)
    }

    /// Removes a fully accepted file, or moves a file with problems to `rejected/` beside a
    /// `.error` file naming each bad line.
    package func finish(_ item: Item, now: Timestamp, zone: ZoneRules) throws(SpoolError) -> Disposition {
        if item.parsed.problems.isEmpty {
            if unlink(item.path) != 0, errno != ENOENT { throw SpoolError(operation: "remove \(item.path)", errno: errno) }
            return .accepted
        }
        var target = item.name
        while AtomicFiles.exists(layout.rejected + "/" + target) || AtomicFiles.exists(layout.rejected + "/" + target + ".error") {
            target = String(now.milliseconds) + "-" + target
        }
        let accepted = item.parsed.records.count
        let rejected = item.parsed.problems.count
        var report = "lacak could not accept \(rejected) record\(rejected == 1 ? "" : "s") of \(item.name) at \(now.iso8601(in: zone))"
        report += accepted > 0 ? "; the other \(accepted) were accepted.\n" : "; nothing from it was accepted.\n"
        // A file of a million bad rows gets a report of readable size, not a million lines.
        let listed = item.parsed.problems.sorted(by: { $0.line < $1.line })
        for problem in listed.prefix(Self.maxReportedProblems) {
            report += (problem.line > 0 ? "\(item.parsed.numbering.rawValue) \(problem.line): " : "") + problem.reason + "\n"
        }
        if listed.count > Self.maxReportedProblems {
            report += "…and \(listed.count - Self.maxReportedProblems) more\n"
        }
        let errorPath = layout.rejected + "/" + target + ".error"
        try AtomicFiles.writeDurably(Array(report.utf8), to: errorPath + ".part")
        try AtomicFiles.rename(errorPath + ".part", to: errorPath)
        try AtomicFiles.rename(item.path, to: layout.rejected + "/" + target)
        try AtomicFiles.syncDirectory(layout.rejected)
        return .rejected(reasons: rejected)
    }

    /// The records of a file's bytes, by its kind.
    package func parse(_ bytes: [UInt8], kind: FileKind) -> IntakeFile {
        let limits = TableLimits(maxUnpackedBytes: maxFileBytes.multipliedReportingOverflow(by: 4).overflow ? Int.max : maxFileBytes * 4)
        let table: IntakeTable
        do throws(TableError) {
            switch kind {
            case .json, .jsonLines:
                return IntakeFile(bytes: bytes, lines: kind == .jsonLines)
            case .xls:
                return IntakeFile.failure("an Excel 97-2003 workbook (.xls); save it as Excel Workbook (.xlsx) or CSV UTF-8")
            case .csv:
                table = try CSVTableReader.read(bytes, limits: limits)
            case .xlsx:
                table = try XLSXTableReader.read(bytes, limits: limits)
            }
        } catch {
            var file = IntakeFile.failure(error.message + "; nothing in this file was accepted", line: error.row)
            file.looksIncomplete = error.looksIncomplete
            return file
        }
        guard let tables else { return IntakeFile.failure("spreadsheet files are not read by this intake") }
        return tables.intakeFile(from: table)
    }

    /// Most problems one `.error` file lists.
    package static let maxReportedProblems = 1000

    private static func readFile(_ fd: Int32, limit: Int) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }
}

extension IntakeFile {
    /// A file refused as a whole.
    static func failure(_ reason: String, line: Int = 0) -> IntakeFile {
        var file = IntakeFile(bytes: Array("[]".utf8), lines: false)
        file.problems = [(line, reason)]
        if line > 0 { file.numbering = .rows }
        return file
    }
}

/// Turns a spreadsheet dropped into `incoming/` into order records: a shop's order export
/// (TikTok Shop's Seller Center export is lacak's own; others plug in here).
package protocol TableIntake: Sendable {
    /// The records of `table`, and a problem for each row or order that cannot be taken, by row.
    func intakeFile(from table: IntakeTable) -> IntakeFile
}
