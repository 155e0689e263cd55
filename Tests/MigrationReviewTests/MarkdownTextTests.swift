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

    @Test func plainReadsCodeSpansAndLeavesOtherTextAlone() {
        #expect(MarkdownText.plain("A flow that already ran `A → B` (old edge 3), ``c`d``, and a lone ` tick")
                == "A flow that already ran A → B (old edge 3), c`d, and a lone ` tick")
    }
}
