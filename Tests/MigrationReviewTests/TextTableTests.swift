import MigrationReview
import Testing

struct TextTableTests {
    @Test func alignsColumnsAndTrimsTrailingSpaces() {
        let table = TextTable(header: ["flow", "note", "count"],
                              rows: [["ingest", "", "12"], ["scan_flow", "renamed", "3"], ["é", "x", ""]],
                              leftAligned: [1])
        let expected = """
            flow       note     count
            ingest                 12
            scan_flow  renamed      3
            é          x
            """
        #expect(table.text == expected)
    }

    @Test func widthsCountCharactersNotBytes() {
        let table = TextTable(header: ["name", "n"], rows: [["Zürich→Bern", "1"], ["a", "22"]])
        #expect(table.text == "name          n\nZürich→Bern   1\na            22")
    }

    /// A terminal gives East Asian wide characters and emoji two columns each; a combining
    /// accent none.
    @Test func wideCharactersTakeTwoColumns() {
        let table = TextTable(header: ["flow", "n"], rows: [["解析フロー", "1"], ["🚀x", "2"], ["e\u{301}", "3"], ["❤️", "4"]])
        #expect(table.text == "flow        n\n解析フロー  1\n🚀x         2\ne\u{301}           3\n❤️          4")
    }

    /// A name with a line break or a terminal escape stays on its row, escaped, and the column is
    /// as wide as what is shown.
    @Test func controlCharactersInCellsAreShownEscaped() {
        let table = TextTable(header: ["flow", "n"], rows: [["a\nb", "1"], ["\u{1B}[2J", "2"]])
        #expect(table.text == "flow       n\na\\u{A}b    1\n\\u{1B}[2J  2")
    }

    @Test func aHeaderAloneIsOneLine() {
        #expect(TextTable(header: ["a", "b"]).text == "a  b")
    }
}
