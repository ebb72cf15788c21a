import LacakSupport

/// The records of one intake file, good and bad, each with the line it starts on.
package struct IntakeFile: Sendable {
    /// Records that passed validation.
    package var records: [(line: Int, record: IntakeRecord)]
    /// Records (or the whole file, as line 0 or the syntax error's line) that did not.
    package var problems: [(line: Int, reason: String)]
    /// The file looks like a writer is still appending to it; try again later.
    package var looksIncomplete: Bool
    /// What the numbers in `records` and `problems` count: lines of a JSON file, or rows of a
    /// spreadsheet as the seller's spreadsheet program numbers them.
    package var numbering: Numbering = .lines

    /// What a record's number counts.
    package enum Numbering: String, Sendable {
        case lines = "line"
        case rows = "row"
    }

    /// A file read by another reader (a spreadsheet export), numbered by rows.
    package init(records: [(line: Int, record: IntakeRecord)], problems: [(line: Int, reason: String)], looksIncomplete: Bool = false) {
        self.records = records
        self.problems = problems
        self.looksIncomplete = looksIncomplete
        numbering = .rows
    }

    /// Parses `bytes` as a `.json` file (one object or an array) or a `.jsonl` file.
    package init(bytes: [UInt8], lines: Bool) {
        records = []
        problems = []
        looksIncomplete = false
        if lines {
            parseLines(bytes)
        } else {
            parseDocument(bytes)
        }
    }

    private mutating func parseDocument(_ bytes: [UInt8]) {
        let parser = JSONParser()
        do {
            let (value, elementLines) = try parser.parseDocument(bytes)
            switch value {
            case .array(let elements):
                if elements.isEmpty { problems.append((1, "the array is empty")) }
                for (index, element) in elements.enumerated() {
                    add(element, line: elementLines[index])
                }
            case .object:
                add(value, line: firstContentLine(bytes))
            default:
                problems.append((1, "expected an order object or an array of them, found \(value.kindName)"))
            }
        } catch {
            if error.message.hasPrefix("unexpected end of input") || error.message.hasPrefix("unterminated") {
                looksIncomplete = true
            }
            problems.append((error.line, "not valid JSON: \(error.message) (column \(error.column)); nothing in this file was accepted"))
        }
    }

    private mutating func parseLines(_ bytes: [UInt8]) {
        let parser = JSONParser()
        var lineNumber = 0
        var start = 0
        while start <= bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            var line = Array(bytes[start..<end])
            let isLast = end == bytes.count
            if line.last == 0x0D { line.removeLast() }
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                do {
                    add(try parser.parse(line), line: lineNumber)
                } catch {
                    // A last line without its newline that does not parse is probably being written.
                    if isLast { looksIncomplete = true }
                    problems.append((lineNumber, "not valid JSON: \(error.message) (column \(error.column))"))
                }
            }
            start = end + 1
        }
    }

    private mutating func add(_ value: JSONValue, line: Int) {
        do {
            records.append((line, try IntakeRecord(json: value)))
        } catch {
            problems.append((line, error.message))
        }
    }

    private func firstContentLine(_ bytes: [UInt8]) -> Int {
        var line = 1
        for byte in bytes {
            if byte == 0x0A { line += 1 } else if byte != 0x20 && byte != 0x09 && byte != 0x0D { break }
        }
        return line
    }
}
