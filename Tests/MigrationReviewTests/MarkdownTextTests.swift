import FlowConfig
import FlowMigration
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

    /// What GitHub rewrites after Markdown, where a backslash does not help — mentions, links,
    /// issue references, emoji, math — is shown in code spans, which GitHub leaves alone.
    @Test func wordsGitHubWouldRewriteAreCodeSpans() {
        #expect(MarkdownText.escaped("ping @octocat, see https://e.example/x and www.e.example, $x^2$ :+1: #12 repo#3 sampling: a_b")
            == "ping `@octocat,` see `https://e.example/x` and `www.e.example,` `$x^2$` `:+1:` `#12` `repo#3` sampling: a\\_b")
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

    /// A flow name in a migration file (hand-edited, or from a pull request) holding line breaks
    /// and escape sequences: the Markdown's `<summary>` keeps it on its line (a blank line would
    /// end the HTML block and let a heading or link follow), and the text for a terminal shows the
    /// controls instead of sending them.
    @Test func aHostileFlowNameInAMigrationFileStaysText() throws {
        let name = "evil</b></summary></details>\\n\\n# Approved [x](http://e)\\u001B[2K\\r"
        let json = #"{"migration": {""# + name + #"": {"translation": {"0": null}, "tainted_edges": {"0": {"from": [], "to": ["A"], "#
            + #""condition_str": {"name": "alwaysTrue"}}}, "tainting_nodes": {}}}, "tainted_flow_strategy": "IGNORE"}"#
        let migration = try Migration(selinonJSON: Array(json.utf8), file: "1.json")
        let review = MigrationReviewer.review(version: 1, migration: migration, old: nil, new: nil)
        let markdown = ReviewMarkdown.render(review)
        let summary = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("<details><summary>") })
        #expect(summary.contains(#"evil&lt;/b&gt;&lt;/summary&gt;&lt;/details&gt;\n\n# Approved <code>[x](http://e)\u{1B}[2K\r</code></b>"#), "\(summary)")
        #expect(!markdown.contains("\n# Approved"), "\(markdown)")
        let text = ReviewText.render(review)
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0 == "\r" }, "\(text)")
        #expect(text.contains(#"# Approved [x](http://e)\u{1B}[2K\r"#), "\(text)")
        // Its line breaks do not start lines of their own in the text either.
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("# Approved") }, "\(text)")
        #expect(text.contains(#"evil</b></summary></details>\n\n# Approved"#), "\(text)")
    }

    /// Zero-width characters and the byte-order mark would make two different names look the
    /// same: shown as escapes, as controls and direction marks are.
    @Test func zeroWidthCharactersAreShown() {
        for scalar in ["\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{FEFF}"] {
            let name = "A" + scalar + "B"
            let escape = "\\u{" + String(name.unicodeScalars.dropFirst().first!.value, radix: 16, uppercase: true) + "}"
            #expect(MarkdownText.escaped(name) == "A\\" + escape + "B", "\(MarkdownText.escaped(name))")
            #expect(ConfigDiagnostic.printable(name) == "A" + escape + "B")
        }
    }

    /// Inside the `<summary>` HTML too, GitHub would mention, link and decorate words: those are
    /// `<code>`, which it leaves alone.
    @Test func wordsGitHubWouldRewriteInTheSummaryAreCode() throws {
        let json = #"{"migration": {"@octocat fixes #12 see https://e.example :+1: ok": {"translation": {"0": null}, "tainted_edges": {"0": "#
            + #"{"from": [], "to": ["A"], "condition_str": {"name": "alwaysTrue"}}}, "tainting_nodes": {}}}, "tainted_flow_strategy": "IGNORE"}"#
        let review = MigrationReviewer.review(version: 1, migration: try Migration(selinonJSON: Array(json.utf8), file: "1.json"), old: nil, new: nil)
        let summary = try #require(ReviewMarkdown.render(review).split(separator: "\n").first { $0.hasPrefix("<details><summary>") })
        #expect(summary.hasPrefix("<details><summary><b><code>@octocat</code> fixes <code>#12</code> see <code>https://e.example</code> "
            + "<code>:+1:</code> ok</b>"), "\(summary)")
    }

    /// A name with bidirectional overrides (`ab<RLO>dcba_flow` shows as `abab_flow`-like text
    /// reversed) is shown with the overrides escaped, in the text and in the Markdown.
    @Test func directionOverridesInANameAreShownEscaped() throws {
        let json = #"{"migration": {"ab\u202Edcba_flow\u2066x\u200F": {"translation": {"0": null}, "tainted_edges": {"0": {"from": [], "#
            + #""to": ["A"], "condition_str": {"name": "alwaysTrue"}}}, "tainting_nodes": {}}}, "tainted_flow_strategy": "IGNORE"}"#
        let review = MigrationReviewer.review(version: 1, migration: try Migration(selinonJSON: Array(json.utf8), file: "1.json"), old: nil, new: nil)
        for rendered in [ReviewText.render(review), ReviewMarkdown.render(review)] {
            #expect(!rendered.unicodeScalars.contains { [0x202E, 0x2066, 0x200F].contains($0.value) }, "\(rendered)")
            #expect(rendered.contains(#"ab\u{202E}dcba_flow\u{2066}x\u{200F}"#) || rendered.contains(#"ab\\u{202E}dcba\_flow\\u{2066}x\\u{200F}"#),
                    "\(rendered)")
        }
    }

    @Test func plainReadsCodeSpansAndLeavesOtherTextAlone() {
        #expect(MarkdownText.plain("A flow that already ran `A → B` (old edge 3), ``c`d``, and a lone ` tick")
                == "A flow that already ran A → B (old edge 3), c`d, and a lone ` tick")
    }
}
