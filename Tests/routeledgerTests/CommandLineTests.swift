import Testing
@testable import routeledger

@Suite struct ParsedArgumentsTests {
    let options: [Option] = [.value("batch", "N", "batch size"), .flag("json", "json output")]

    @Test func readsBothValueForms() throws {
        let parsed = try ParsedArguments(["--batch", "12", "--json"], options: options)
        #expect(try parsed.int("batch") == 12)
        #expect(parsed.flag("json"))
        let inline = try ParsedArguments(["--batch=7"], options: options)
        #expect(try inline.int("batch") == 7)
    }

    @Test func refusesUnknownAndMalformedFlags() throws {
        #expect(throws: UsageError.self) { try ParsedArguments(["--bogus"], options: options) }
        #expect(throws: UsageError.self) { try ParsedArguments(["--batch"], options: options) }
        #expect(throws: UsageError.self) { try ParsedArguments(["--json=yes"], options: options) }
        let parsed = try ParsedArguments(["--batch", "many"], options: options)
        #expect(throws: UsageError.self) { try parsed.int("batch") }
    }
}
