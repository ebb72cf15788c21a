import Foundation
// lacak runs on Linux, where XMLParser lives in FoundationXML.
import FoundationXML
import ZIPFoundation

/// Reads the first sheet of an Excel workbook (`.xlsx`, Office Open XML) into an `IntakeTable`,
/// with ZIPFoundation for the archive and Foundation's XML parser for the parts; no spreadsheet
/// program is involved.
///
/// Cells are read as the text they hold: shared strings, inline strings, formula results and
/// numbers as written (a date stored as a number stays a serial number such as `46295.957`,
/// which the order mapping reads). Every part is unpacked through a byte budget
/// (`TableLimits.maxUnpackedBytes`), so a small archive that unpacks to gigabytes is refused.
package enum XLSXTableReader {
    package static func read(_ bytes: [UInt8], limits: TableLimits) throws(TableError) -> IntakeTable {
        guard bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {
            throw TableError(row: 0, "not an .xlsx workbook (it is not a zip archive); save it as Excel Workbook (.xlsx) or CSV")
        }
        let archive: Archive
        do {
            archive = try Archive(data: Data(bytes), accessMode: .read)
        } catch {
            // A zip without its central directory at the end is usually still being copied.
            throw TableError(row: 0, "the zip archive cannot be read (\(error)); it may be cut short", looksIncomplete: true)
        }
        var budget = limits.maxUnpackedBytes
        func part(_ path: String) throws(TableError) -> Data? {
            guard let entry = archive[path] else { return nil }
            var data = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    guard chunk.count <= budget else { throw UnpackBudgetExceeded() }
                    budget -= chunk.count
                    data.append(chunk)
                }
            } catch is UnpackBudgetExceeded {
                throw TableError(row: 0, "the workbook unpacks to more than \(limits.maxUnpackedBytes) bytes; export fewer orders per file")
            } catch {
                throw TableError(row: 0, "\(path) in the workbook cannot be unpacked: \(error)")
            }
            guard !declaresDocumentType(data) else { throw TableError(row: 0, "\(path) in the workbook declares a document type, which workbooks never do") }
            return data
        }

        guard let workbook = try part("xl/workbook.xml") else {
            throw TableError(row: 0, "not an Excel workbook: xl/workbook.xml is missing")
        }
        let sheetPath = try firstSheetPath(workbook: workbook, relations: try part("xl/_rels/workbook.xml.rels"))
        let shared = try part("xl/sharedStrings.xml").map { data throws(TableError) in try SharedStringsReader.read(data, limits: limits) } ?? []
        guard let sheet = try part(sheetPath) else {
            throw TableError(row: 0, "the workbook's first sheet (\(sheetPath)) is missing")
        }
        return try SheetReader.read(sheet, shared: shared, limits: limits)
    }

    private struct UnpackBudgetExceeded: Error {}

    /// The archive path of the first `<sheet>` in the workbook, through its relationship id.
    static func firstSheetPath(workbook: Data, relations: Data?) throws(TableError) -> String {
        let sheets = ElementCollector(element: "sheet")
        try sheets.parse(workbook, part: "xl/workbook.xml")
        guard let first = sheets.found.first else { throw TableError(row: 0, "the workbook has no sheet") }
        let fallback = "xl/worksheets/sheet1.xml"
        guard let relationID = first["r:id"] ?? first.first(where: { $0.key.hasSuffix(":id") })?.value, let relations else { return fallback }
        let links = ElementCollector(element: "Relationship")
        try links.parse(relations, part: "xl/_rels/workbook.xml.rels")
        guard let target = links.found.first(where: { $0["Id"] == relationID })?["Target"] else { return fallback }
        let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        // A relationship pointing outside the archive's xl/ folder is not a sheet lacak reads.
        guard !path.split(separator: "/").contains("..") else { throw TableError(row: 0, "the workbook's sheet path '\(target)' is not inside it") }
        return path
    }
}

/// Collects the attributes of every element with one name (workbook sheets, relationships).
private final class ElementCollector: NSObject, XMLParserDelegate {
    let element: String
    var found: [[String: String]] = []

    init(element: String) {
        self.element = element
    }

    func parse(_ data: Data, part: String) throws(TableError) {
        let parser = streamingParser(data)
        parser.delegate = self
        guard parser.parse() else {
            throw TableError(row: 0, "\(part) in the workbook is not well-formed XML (line \(parser.lineNumber))")
        }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        if name == element { found.append(attributes) }
    }
}

/// `xl/sharedStrings.xml`: every `<si>` as one string, its rich-text runs joined, phonetic
/// guides (`<rPh>`) left out.
private final class SharedStringsReader: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var current = ""
    var inText = false
    var phoneticDepth = 0
    var tooLong = false
    let limits: TableLimits

    init(limits: TableLimits) {
        self.limits = limits
    }

    static func read(_ data: Data, limits: TableLimits) throws(TableError) -> [String] {
        let reader = SharedStringsReader(limits: limits)
        let parser = streamingParser(data)
        parser.delegate = reader
        let parsed = parser.parse()
        if reader.tooLong { throw TableError(row: 0, "a shared string is longer than \(limits.maxCellBytes) bytes, or there are more than \(limits.maxCells)") }
        guard parsed, parser.parserError == nil else { throw TableError(row: 0, "xl/sharedStrings.xml in the workbook is not well-formed XML (line \(parser.lineNumber))") }
        return reader.strings
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        switch name {
        case "si": current = ""
        case "rPh": phoneticDepth += 1
        case "t": inText = phoneticDepth == 0
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard inText else { return }
        current += string
        if current.utf8.count > limits.maxCellBytes {
            tooLong = true
            parser.abortParsing()
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "si":
            strings.append(current)
            if strings.count > limits.maxCells {
                tooLong = true
                parser.abortParsing()
            }
        case "rPh": phoneticDepth -= 1
        case "t": inText = false
        default: break
        }
    }
}

/// A worksheet's `<sheetData>`: rows by their `r` number, cells placed by their column letters.
private final class SheetReader: NSObject, XMLParserDelegate {
    let shared: [String]
    let limits: TableLimits
    var rows: [IntakeTable.Row] = []
    var cells: [String] = []
    var rowNumber = 0
    var cellColumn = 0
    var cellType = ""
    var value = ""
    var inValue = false
    var failure: TableError?
    var cellCount = 0
    /// Whether `</sheetData>` was reached: a sheet cut short is refused, not read in part.
    var complete = false

    init(shared: [String], limits: TableLimits) {
        self.shared = shared
        self.limits = limits
    }

    static func read(_ data: Data, shared: [String], limits: TableLimits) throws(TableError) -> IntakeTable {
        let reader = SheetReader(shared: shared, limits: limits)
        let parser = streamingParser(data)
        parser.delegate = reader
        let parsed = parser.parse()
        if let failure = reader.failure { throw failure }
        guard parsed, parser.parserError == nil, reader.complete else {
            throw TableError(row: reader.rowNumber, "the sheet is not well-formed XML or ends early (line \(parser.lineNumber))")
        }
        return IntakeTable(rows: reader.rows)
    }

    func fail(_ parser: XMLParser, _ message: String) {
        failure = TableError(row: rowNumber, message)
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        switch name {
        case "row":
            let next = attributes["r"].flatMap { Int($0) } ?? rowNumber + 1
            guard next > rowNumber, next <= 10_000_000 else { return fail(parser, "rows out of order (row \(next) after \(rowNumber))") }
            rowNumber = next
            cells = []
        case "c":
            cellType = attributes["t"] ?? "n"
            value = ""
            if let reference = attributes["r"] {
                guard let column = Self.column(of: reference) else { return fail(parser, "cell reference '\(reference.prefix(12))' is not a column and row") }
                cellColumn = column
            } else {
                cellColumn = cells.count
            }
            guard cellColumn < limits.maxColumns else { return fail(parser, "more than \(limits.maxColumns) columns") }
        case "v", "t":
            inValue = true
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard inValue else { return }
        value += string
        if value.utf8.count > limits.maxCellBytes { fail(parser, "a cell is longer than \(limits.maxCellBytes) bytes") }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t":
            inValue = false
        case "c":
            var text = value
            switch cellType {
            case "s":
                guard let index = Int(value), shared.indices.contains(index) else { return fail(parser, "a cell names shared string \(value.prefix(12)), which the workbook does not have") }
                text = shared[index]
            case "b":
                text = value == "1" ? "TRUE" : "FALSE"
            default:
                break
            }
            if cellColumn >= cells.count {
                // Cells up to this column are allocated: they count against the table's budget.
                cellCount += cellColumn - cells.count + 1
                guard cellCount <= limits.maxCells else { return fail(parser, "more than \(limits.maxCells) cells; export fewer orders per file") }
                cells.append(contentsOf: repeatElement("", count: cellColumn - cells.count + 1))
            }
            cells[cellColumn] = text
        case "row":
            let row = IntakeTable.Row(number: rowNumber, cells: cells)
            if row.isBlank { return }
            guard rows.count < limits.maxRows else { return fail(parser, "more than \(limits.maxRows) rows; export fewer orders per file") }
            rows.append(row)
        case "sheetData":
            complete = true
        default:
            break
        }
    }

    /// The zero-based column of a reference such as `AB12`.
    static func column(of reference: String) -> Int? {
        var column = 0
        var letters = 0
        for byte in reference.utf8 {
            if byte >= 0x41 && byte <= 0x5A {
                column = column * 26 + Int(byte - 0x40)
                letters += 1
                if letters > 3 { return nil }
            } else if byte >= 0x30 && byte <= 0x39 {
                break
            } else {
                return nil
            }
        }
        return letters > 0 ? column - 1 : nil
    }
}

/// A parser fed from a stream. Given the whole `Data` at once, Foundation hands libxml2 one
/// chunk, which it refuses past 10 MB (XML_MAX_LOOKUP_LIMIT: a 20,000-row sheet fails); from a
/// stream it reads in small chunks and has no such limit.
private func streamingParser(_ data: Data) -> XMLParser {
    let parser = XMLParser(stream: InputStream(data: data))
    parser.shouldResolveExternalEntities = false
    return parser
}

/// Whether a workbook part declares a document type: real workbooks never do, and a DTD is
/// where entity expansion (and its memory) comes from, so such a part is refused unread.
func declaresDocumentType(_ data: Data) -> Bool {
    data.prefix(4096).range(of: Data("<!DOCTYPE".utf8)) != nil || data.prefix(4096).range(of: Data("<!doctype".utf8)) != nil
}
