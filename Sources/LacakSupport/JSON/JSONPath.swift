/// A dotted path into a JSON document, as written in courier mappings: `data.history[*].desc`.
///
/// Steps are member names separated by dots, `[n]` for an array index, `[*]` for every element
/// of an array (or every member value of an object), and `["odd.name"]` for names with dots.
/// An empty path, or `$`, is the document itself.
package struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    enum Step: Sendable, Hashable {
        case key(String)
        case index(Int)
        case wildcard
    }

    let steps: [Step]
    /// The path as written.
    package let description: String

    /// Parses a path; the error message says what is wrong with it.
    package init(_ text: String) throws(JSONPathError) {
        description = text
        var steps: [Step] = []
        var characters = Array(text.unicodeScalars)
        if characters.first == "$" { characters.removeFirst() }
        var index = 0
        var name = ""
        var expectingName = false

        func flushName() {
            if !name.isEmpty { steps.append(.key(name)) }
            name = ""
        }

        while index < characters.count {
            let character = characters[index]
            switch character {
            case ".":
                if name.isEmpty, steps.isEmpty || expectingName {
                    throw JSONPathError(path: text, message: "empty step before '.'")
                }
                flushName()
                expectingName = true
                index += 1
            case "[":
                flushName()
                guard let close = characters[index...].firstIndex(of: "]") else {
                    throw JSONPathError(path: text, message: "'[' without ']'")
                }
                let inner = String(String.UnicodeScalarView(characters[(index + 1)..<close]))
                if inner == "*" {
                    steps.append(.wildcard)
                } else if let number = Int(inner), number >= 0 {
                    steps.append(.index(number))
                } else if inner.count >= 2, inner.first == "\"" || inner.first == "'", inner.last == inner.first {
                    steps.append(.key(String(inner.dropFirst().dropLast())))
                } else {
                    throw JSONPathError(path: text, message: "'[\(inner)]' is not [*], [number] or [\"name\"]")
                }
                index = close + 1
                expectingName = false
            case "]":
                throw JSONPathError(path: text, message: "']' without '['")
            default:
                name.unicodeScalars.append(character)
                expectingName = false
                index += 1
            }
        }
        if expectingName {
            throw JSONPathError(path: text, message: "path ends with '.'")
        }
        flushName()
        self.steps = steps
    }

    /// Whether the path can match more than one value.
    package var hasWildcard: Bool { steps.contains(.wildcard) }

    /// Every value the path reaches, in document order.
    package func values(in root: JSONValue) -> [JSONValue] {
        var current = [root]
        for step in steps {
            var next: [JSONValue] = []
            next.reserveCapacity(current.count)
            for value in current {
                switch step {
                case .key(let key):
                    if let member = value[key] { next.append(member) }
                case .index(let position):
                    if case .array(let elements) = value, position < elements.count { next.append(elements[position]) }
                case .wildcard:
                    switch value {
                    case .array(let elements): next.append(contentsOf: elements)
                    case .object(let object): next.append(contentsOf: object.members.map(\.value))
                    default: break
                    }
                }
            }
            current = next
            if current.isEmpty { break }
        }
        return current
    }

    /// The first value the path reaches, skipping nulls.
    package func first(in root: JSONValue) -> JSONValue? {
        if !hasWildcard {
            var value = root
            for step in steps {
                switch step {
                case .key(let key):
                    guard let member = value[key] else { return nil }
                    value = member
                case .index(let position):
                    guard case .array(let elements) = value, position < elements.count else { return nil }
                    value = elements[position]
                case .wildcard:
                    return nil
                }
            }
            return value == .null ? nil : value
        }
        return values(in: root).first { $0 != .null }
    }
}

/// A path that cannot be parsed.
package struct JSONPathError: Error, Sendable, Equatable, CustomStringConvertible {
    package var path: String
    package var message: String
    package var description: String { "invalid path '\(path)': \(message)" }
}
