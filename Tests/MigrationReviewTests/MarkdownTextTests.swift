import MigrationReview
import Testing

/// Names and values of any content in Markdown: shown exactly, never read as markup.
struct MarkdownTextTests {
    @Test(arguments: [
        ("Fetch", "`Fetch`"),
        ("c`d", "``c`d``"),
        ("a``b`", "``` a``b` ```"),
        ("`x", "`` `x ``"),
        ("  padded  ", "`   padded   `"),
    ])
    func codeSpansOutgrowTheBackticksInside(_ text: String, _ expected: String) {
        #expect(MarkdownText.codeSpan(text) == expected)
        #expect(MarkdownText.plain(MarkdownText.codeSpan(text)) == text, "plain reads back what the span shows")
    }

    @Test func escapingShowsEmphasisHTMLAndEntitiesAsWritten() {
        #expect(MarkdownText.escaped("flow '__init__' <b>x</b> a|b &copy;") == #"flow '\_\_init\_\_' \<b\>x\</b\> a\|b \&copy;"#)
    }

    /// Text from a pull request's files (a migration's `_meta`) cannot end its code span with a
    /// blank line and go on as Markdown or HTML: line breaks and controls are shown escaped.
    @Test func lineBreaksAndControlsStayInsideTheirSpan() {
        let hostile = "config\n\n**Nothing to review.**\n\n<!--\r\t\u{1B}\u{2028}"
        let span = MarkdownText.codeSpan(hostile)
        #expect(span == #"`config\n\n**Nothing to review.**\n\n<!--\r\t\u{1B}\u{2028}`"#)
        #expect(!span.contains("\n") && !span.contains("\r"))
        let inline = MarkdownText.escaped(hostile)
        #expect(inline == #"config\\n\\n\*\*Nothing to review.\*\*\\n\\n\<\!--\\r\\t\\u{1B}\\u{2028}"#)
        #expect(MarkdownText.codeSpan("plain") == "`plain`")
    }

    @Test func plainReadsCodeSpansAndLeavesOtherTextAlone() {
        #expect(MarkdownText.plain("A flow that already ran `A → B` (old edge 3), ``c`d``, and a lone ` tick")
                == "A flow that already ran A → B (old edge 3), c`d, and a lone ` tick")
    }
}
