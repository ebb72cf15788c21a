/// Reads CSV text (RFC 4180 and what spreadsheet programs write) into an `IntakeTable`.
///
/// Written for lacak rather than taken from a package: it works on bytes (yaslab/CSV.swift,
/// decoding scalar by scalar, read a 26 MB export 7.6 times slower than Python's csv module here),
/// counts records as a spreadsheet numbers rows, and bounds every cell.
///
/// Accepted: a UTF-8 byte order mark; `,`, `;` or tab as the separator (whichever the first
/// line uses, comma when unsure); quoted fields holding separators, doubled quotes and line
/// breaks; CRLF, LF or CR line ends; a last line without one. Refused: text that is not UTF-8
/// (UTF-16 included), a quote left open at the end, a cell or row over the limits.
package enum CSVTableReader {
    package static func read(_ bytes: [UInt8], limits: TableLimits) throws(TableError) -> IntakeTable {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw TableError(row: 0, "the file is UTF-16 text; export it again as CSV (UTF-8)")
        }
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let separator = detectSeparator(bytes, from: start)
        return try bytes.withUnsafeBufferPointer { buffer throws(TableError) in
            var parser = Parser(bytes: buffer, position: start, separator: separator, limits: limits)
            return try parser.table()
        }
    }

    /// The separator of the first line: a comma unless it has none and has semicolons or tabs.
    static func detectSeparator(_ bytes: [UInt8], from start: Int) -> UInt8 {
        var counts: [UInt8: Int] = [0x2C: 0, 0x3B: 0, 0x09: 0]
        var quoted = false
        for byte in bytes[start...] {
            if byte == 0x22 { quoted.toggle() }
            if quoted { continue }
            if byte == 0x0A || byte == 0x0D { break }
            if counts[byte] != nil { counts[byte]! += 1 }
        }
        if counts[0x2C]! > 0 { return 0x2C }
        if counts[0x3B]! >= counts[0x09]!, counts[0x3B]! > 0 { return 0x3B }
        return counts[0x09]! > 0 ? 0x09 : 0x2C
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var position: Int
        let separator: UInt8
        let limits: TableLimits
        var row = 1
        var cell: [UInt8] = []

        init(bytes: UnsafeBufferPointer<UInt8>, position: Int, separator: UInt8, limits: TableLimits) {
            self.bytes = bytes
            self.position = position
            self.separator = separator
            self.limits = limits
            cell.reserveCapacity(256)
        }

        mutating func table() throws(TableError) -> IntakeTable {
            var rows: [IntakeTable.Row] = []
            var cellCount = 0
            while position < bytes.count {
                let cells = try record()
                // Blank lines are counted (row numbers stay the spreadsheet's) but not kept.
                if !(cells.count == 1 && cells[0].isEmpty) {
                    cellCount += cells.count
                    guard rows.count < limits.maxRows, cellCount <= limits.maxCells else {
                        throw TableError(row: row, "more than \(limits.maxRows) rows or \(limits.maxCells) cells; export fewer orders per file")
                    }
                    rows.append(IntakeTable.Row(number: row, cells: cells))
                }
                row += 1
            }
            return IntakeTable(rows: rows)
        }

        /// One record, leaving `position` after its line end.
        mutating func record() throws(TableError) -> [String] {
            var cells: [String] = []
            while true {
                let (text, ended) = try field()
                cells.append(text)
                if cells.count > limits.maxColumns {
                    throw TableError(row: row, "more than \(limits.maxColumns) columns")
                }
                if ended { return cells }
            }
        }

        /// One field; `ended` is true when it closed its record (line end or end of file).
        mutating func field() throws(TableError) -> (text: String, ended: Bool) {
            cell.removeAll(keepingCapacity: true)
            if position < bytes.count, bytes[position] == 0x22 {
                position += 1
                while true {
                    guard position < bytes.count else {
                        throw TableError(row: row, "a quoted field is not closed before the end of the file", looksIncomplete: true)
                    }
                    let byte = bytes[position]
                    position += 1
                    if byte == 0x22 {
                        if position < bytes.count, bytes[position] == 0x22 {
                            try append(0x22)
                            position += 1
                            continue
                        }
                        break
                    }
                    try append(byte)
                }
                // Text after the closing quote (`"a"b`) is kept, as spreadsheet programs do.
            }
            while position < bytes.count {
                let byte = bytes[position]
                if byte == separator {
                    position += 1
                    return (try text(), false)
                }
                if byte == 0x0A || byte == 0x0D {
                    position += 1
                    if byte == 0x0D, position < bytes.count, bytes[position] == 0x0A { position += 1 }
                    return (try text(), true)
                }
                try append(byte)
                position += 1
            }
            return (try text(), true)
        }

        mutating func append(_ byte: UInt8) throws(TableError) {
            guard cell.count < limits.maxCellBytes else {
                throw TableError(row: row, "a cell is longer than \(limits.maxCellBytes) bytes")
            }
            cell.append(byte)
        }

        func text() throws(TableError) -> String {
            if cell.allSatisfy({ $0 < 0x80 }) { return String(decoding: cell, as: UTF8.self) }
            guard let text = String(validating: cell, as: UTF8.self) else {
                throw TableError(row: row, "the text is not UTF-8; export the file again as CSV (UTF-8)")
            }
            return text
        }
    }
}
