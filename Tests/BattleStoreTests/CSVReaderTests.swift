import Testing
@testable import BattleStore

@Suite struct CSVReaderTests {
    private func records(_ text: String) -> [Result<CSVRecord, CSVSyntaxError>] {
        Array(CSVReader(bytes: Array(text.utf8)))
    }

    @Test func quotedFieldsKeepCommasLineBreaksAndDoubledQuotes() throws {
        let text = "prompt,a\n\"Which, of these?\nA. \"\"x\"\"\nAnswer:\",True\nplain,False\n"
        let rows = try records(text).map { try $0.get() }
        #expect(rows.map(\.fields) == [["prompt", "a"], ["Which, of these?\nA. \"x\"\nAnswer:", "True"], ["plain", "False"]])
        // The quoted field spans lines 2–4, so the next record starts on line 5.
        #expect(rows.map(\.line) == [1, 2, 5])
    }

    @Test func acceptsCRLFAByteOrderMarkEmptyFieldsAndNoFinalLineBreak() throws {
        let text = "\u{FEFF}a,b,c\r\n1,,3\r\n\r\n\"\",x,\r\nlast,row,here"
        let rows = try records(text).map { try $0.get() }
        #expect(rows.map(\.fields) == [["a", "b", "c"], ["1", "", "3"], ["", "x", ""], ["last", "row", "here"]])
        #expect(rows.map(\.line) == [1, 2, 4, 5])
    }

    @Test func aStrayQuoteIsReportedAndReadingResumesOnTheNextLine() throws {
        let results = records("a,b\nfoo\"bar,1\n\"ok\"junk,2\ngood,3\n")
        #expect(results.count == 4)
        #expect(throws: CSVSyntaxError(line: 2, reason: "a quote inside an unquoted field")) { try results[1].get() }
        #expect(throws: CSVSyntaxError(line: 3, reason: "text after the closing quote of a field")) { try results[2].get() }
        #expect(try results[3].get() == CSVRecord(line: 4, fields: ["good", "3"]))
    }

    @Test func anUnclosedQuoteNamesTheLineItOpensOn() {
        let results = records("a,b\n1,2\n\"never closed,3\nmore\n")
        #expect(results.count == 3)
        #expect(throws: CSVSyntaxError(line: 3, reason: "a quoted field opened on line 3 is never closed")) { try results[2].get() }
    }

    @Test func tableRowsOfTheWrongWidthAreReportedWithTheirLine() throws {
        let table = try #require(try CSVTable(bytes: Array("x,y\n1,2\n1,2,3\n4,5\n".utf8)))
        #expect(table.columns == ["x", "y"])
        #expect(table.column(named: "y") == 1)
        let rows = Array(table)
        #expect(try rows[0].get().fields == ["1", "2"])
        #expect(throws: CSVSyntaxError(line: 3, reason: "expected 2 fields as in the header, found 3")) { try rows[1].get() }
        #expect(try rows[2].get().line == 4)
    }
}
