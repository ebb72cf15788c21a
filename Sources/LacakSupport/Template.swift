/// Text with `{name}` placeholders, as used in URLs, headers and request bodies.
///
/// Only `{` followed by a lowercase identifier and `}` is a placeholder; any other brace is
/// literal, so JSON bodies need no escaping: `{"waybill": "{tracking_number}"}`.
package struct Template: Sendable, Equatable, CustomStringConvertible {
    enum Part: Sendable, Equatable {
        case literal(String)
        case placeholder(String)
    }

    let parts: [Part]
    /// The template as written.
    package let description: String

    package init(_ text: String) {
        description = text
        var parts: [Part] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "{", let close = text[index...].firstIndex(of: "}") {
                let name = String(text[text.index(after: index)..<close])
                if Identifiers.isTemplateName(name) {
                    if !literal.isEmpty { parts.append(.literal(literal)) }
                    literal = ""
                    parts.append(.placeholder(name))
                    index = text.index(after: close)
                    continue
                }
            }
            literal.append(text[index])
            index = text.index(after: index)
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The placeholder names, in order of appearance.
    package var placeholders: [String] {
        parts.compactMap { part in
            if case .placeholder(let name) = part { return name }
            return nil
        }
    }

    /// Fills in every placeholder with `value(name)` passed through `escape`; a placeholder
    /// without a value is left empty.
    package func render(escape: (String) -> String = { $0 }, value: (String) -> String?) -> String {
        var output = ""
        for part in parts {
            switch part {
            case .literal(let text): output += text
            case .placeholder(let name): output += escape(value(name) ?? "")
            }
        }
        return output
    }
}
