import Testing
@testable import Pipeline

@Suite struct JSONValueTests {
    private func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try JSONValue.parse(Array(text.utf8))
    }

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5e2, 0, true, false, null], "b": {"c": "d"}, "e": ""} "#)
        #expect(value == .object(["a": .array([.number(1), .number(-250), .number(0), .bool(true), .bool(false), .null]),
                                  "b": .object(["c": .string("d")]), "e": .string("")]))
    }

    @Test func decodesEscapesAndUnicode() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""\u00e9\u4e2d\ud83d\ude00""#) == .string("é中😀"))
        #expect(try parse("\"naïve 日本 🙂\"") == .string("naïve 日本 🙂"))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "NaN", "Infinity",
        "tru", "nul", "\"abc", "\"a\nb\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\ud800\\u0041\"", "[1] 2", "{\"a\":1}}",
        "{\"id\":1,\"id\":2}",
    ])
    func refusesMalformedDocuments(text: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test func limitsNesting() throws {
        let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parse(deep)
        let tooDeep = String(repeating: "[", count: 66) + String(repeating: "]", count: 66)
        #expect(throws: JSONSyntaxError.self) { try parse(tooDeep) }
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try parse(hostile) }
    }

    @Test func duplicateKeysNameTheKey() {
        do {
            _ = try parse(#"{"id":"a","id":"b"}"#)
            Issue.record("a duplicate key was accepted")
        } catch {
            #expect(error.message == "duplicate key 'id'")
        }
    }

    @Test func numbersAreCorrectlyRounded() throws {
        #expect(try parse("0.1") == .number(0.1))
        #expect(try parse("-0.000123456789e-3") == .number(-1.23456789e-7))
        #expect(try parse("1e400") == .number(.infinity))
    }
}
