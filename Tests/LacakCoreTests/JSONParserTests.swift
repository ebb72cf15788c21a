import Testing
@testable import LacakSupport
@testable import LacakModel
@testable import LacakConfig
@testable import LacakCouriers

@Suite struct JSONParserTests {
    let parser = JSONParser()

    @Test func parsesEveryKindOfValue() throws {
        let value = try parser.parse(#"{"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "d\n\u00e9\ud83d\ude00"}, "big": 12345678901234567890}"#)
        #expect(value["a"] == .array([.integer(1), .double(-2.5), .double(300), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d\né😀"))
        #expect(value["big"] == .double(12345678901234567890))
    }

    @Test func reportsLineAndColumnOfSyntaxErrors() {
        #expect(throws: JSONSyntaxError(line: 3, column: 10, message: "expected ',' or '}' in an object")) {
            try parser.parse("{\n  \"a\": 1,\n  \"b\": 2 \"c\": 3\n}")
        }
        #expect(throws: JSONSyntaxError.self) { try parser.parse("[1, 2,]") }
        #expect(throws: JSONSyntaxError.self) { try parser.parse("{\"a\": 1} trailing") }
        #expect(throws: JSONSyntaxError.self) { try parser.parse("\"control\u{01}char\"") }
        #expect(throws: JSONSyntaxError.self) { try parser.parse("") }
    }

    @Test func limitsNesting() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONSyntaxError.self) { try parser.parse(deep) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parser.parse(fine)
    }

    @Test func reportsTheLineOfEachTopLevelArrayElement() throws {
        let text = "[\n  {\"a\": 1},\n\n  {\"a\": [\n 2]},\n  3\n]"
        let (_, lines) = try parser.parseDocument(Array(text.utf8))
        #expect(lines == [2, 4, 6])
    }

    @Test func writerRoundTripsAndEscapes() throws {
        let value = JSONValue.fields(["q": .string("say \"hi\"\n\t\u{01}"), "n": .integer(-5), "list": .array([.null, .bool(true)])])
        let text = JSONWriter(pretty: false).string(value)
        #expect(text == #"{"q":"say \"hi\"\n\t\u0001","n":-5,"list":[null,true]}"#)
        #expect(try parser.parse(text) == value)
    }

    @Test func pathsSelectValues() throws {
        let document = try parser.parse(#"{"data": {"items": [{"n": "A", "ev": [{"t": 1}, {"t": 2}]}, {"n": "B", "ev": []}]}, "odd.key": 5}"#)
        #expect(try JSONPath("data.items[*].n").values(in: document) == [.string("A"), .string("B")])
        #expect(try JSONPath("data.items[0].ev[*].t").values(in: document) == [.integer(1), .integer(2)])
        #expect(try JSONPath("data.items[1].n").first(in: document) == .string("B"))
        #expect(try JSONPath("[\"odd.key\"]").first(in: document) == .integer(5))
        #expect(try JSONPath("").first(in: document) == document)
        #expect(try JSONPath("data.missing.deeper").first(in: document) == nil)
        #expect(throws: JSONPathError.self) { try JSONPath("data..items") }
        #expect(throws: JSONPathError.self) { try JSONPath("data.items[x]") }
        #expect(throws: JSONPathError.self) { try JSONPath("data.") }
    }
}
