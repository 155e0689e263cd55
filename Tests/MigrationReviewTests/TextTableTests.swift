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

    @Test func aHeaderAloneIsOneLine() {
        #expect(TextTable(header: ["a", "b"]).text == "a  b")
    }
}
