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
        // Past the fast path (more digits than 2^53 holds, a power past 10^22) and at its edges.
        #expect(try parse("9007199254740993") == .number(9_007_199_254_740_992))   // 2^53 + 1 rounds to even
        #expect(try parse("1e23") == .number(1e23))
        #expect(try parse("4.35e-30") == .number(4.35e-30))
        guard case .number(let negativeZero) = try parse("-0") else { Issue.record("-0 is not a number"); return }
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
    }

    /// Every number an event's vector can hold comes out as the standard library's own
    /// correctly rounded conversion of the same text gives: float32 values in their shortest
    /// form (how clients send vectors) and doubles in theirs, of every magnitude.
    @Test func numbersMatchTheStandardConversion() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let float = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
            let double = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))
            let unit = Float.random(in: -1...1, using: &generator)
            let texts = [float.isFinite ? float.description : nil, double.isFinite ? double.description : nil, unit.description]
            for text in texts.compactMap({ $0 }) {
                #expect(try parse(text) == .number(Double(text)!), "\(text)")
            }
        }
    }
}
