/// A spreadsheet read into text cells, each row with the number a spreadsheet program shows
/// for it (1 for the header), so an error can name the row a seller sees.
package struct IntakeTable: Sendable, Equatable {
    /// One row of cells, as text; missing trailing cells are simply absent.
    package struct Row: Sendable, Equatable {
        package var number: Int
        package var cells: [String]

        package init(number: Int, cells: [String]) {
            self.number = number
            self.cells = cells
        }

        /// The cell in column `index`, or "" past the row's end.
        package subscript(_ index: Int) -> String {
            index < cells.count ? cells[index] : ""
        }

        /// Whether every cell is empty or whitespace.
        package var isBlank: Bool {
            cells.allSatisfy { $0.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A } }
        }
    }

    package var rows: [Row]

    package init(rows: [Row]) {
        self.rows = rows
    }
}

/// Bounds on what a table file may hold, so a hostile file costs bounded memory.
package struct TableLimits: Sendable {
    /// Longest cell, in bytes.
    package var maxCellBytes: Int = 32 * 1024
    /// Most columns in a row.
    package var maxColumns: Int = 1024
    /// Most rows kept (blank rows are not kept), and most cells in all rows together (a
    /// 50,000-row export of 57 columns has 2.85 million): what bounds a table's memory,
    /// whatever the file's size.
    package var maxRows: Int = 1_000_000
    package var maxCells: Int = 8_000_000
    /// Most bytes an XLSX file may unpack to (its sheet, shared strings and workbook together).
    package var maxUnpackedBytes: Int

    package init(maxUnpackedBytes: Int) {
        self.maxUnpackedBytes = maxUnpackedBytes
    }
}

/// Why a table file could not be read at all.
package struct TableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The row the problem was found in (0 when it is the file as a whole).
    package var row: Int
    package var message: String
    /// The file ends inside a quoted field or a zip archive is cut short: perhaps still being written.
    package var looksIncomplete: Bool

    package init(row: Int, _ message: String, looksIncomplete: Bool = false) {
        self.row = row
        self.message = message
        self.looksIncomplete = looksIncomplete
    }

    package var description: String { row > 0 ? "row \(row): \(message)" : message }
}
