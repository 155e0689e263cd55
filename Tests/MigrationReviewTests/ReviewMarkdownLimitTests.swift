import FlowConfig
import FlowMigration
import MigrationGenerator
import MigrationReview
import Testing

/// Markdown reviews longer than a pull-request comment allows are shortened, level by level,
/// and say what they leave out.
struct ReviewMarkdownLimitTests {
    /// A review of `flowCount` flows of `length` chained tasks each, where every flow gains an
    /// edge: at the start (renumbering every edge) or at the end (keeping every edge).
    static func review(flowCount: Int, length: Int, addAtStart: Bool) throws -> ReviewedMigration {
        func configuration(extraEdge: Bool) throws -> Configuration {
            var tasks = Set<String>()
            var flows = ""
            for flow in 0..<flowCount {
                var edges = ["      - {from: , to: T\(flow)_0}"]
                for step in 1..<length { edges.append("      - {from: T\(flow)_\(step - 1), to: T\(flow)_\(step)}") }
                for step in 0..<length { tasks.insert("T\(flow)_\(step)") }
                if extraEdge {
                    tasks.insert("Audit\(flow)")
                    let audit = "      - {from: T\(flow)_0, to: Audit\(flow), condition: {name: argsFieldExist, args: {key: audit}}}"
                    if addAtStart { edges.insert(audit, at: 0) } else { edges.append(audit) }
                }
                flows += "  - name: analysis_flow_\(flow)\n    edges:\n" + edges.joined(separator: "\n") + "\n"
            }
            let nodes = "tasks:\n" + tasks.sorted().map { "  - {name: \($0), import: app.tasks}\n" }.joined()
                + "flows: [\((0..<flowCount).map { "analysis_flow_\($0)" }.joined(separator: ", "))]\n"
            let files = ConfigurationFiles(nodes: .init(path: "nodes.yml", contents: Array(nodes.utf8)),
                                           flows: [.init(path: "flows.yml", contents: Array(("flow-definitions:\n" + flows).utf8))])
            return try ConfigurationLoader().load(files).get()
        }
        let old = try configuration(extraEdge: false), new = try configuration(extraEdge: true)
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .retry)
        return MigrationReviewer.review(version: 4, migration: plan.migration,
                                        old: MigrationReviewer.edges(of: old), new: MigrationReviewer.edges(of: new))
    }

    static func balanced(_ text: String) -> Bool {
        text.components(separatedBy: "<details>").count == text.components(separatedBy: "</details>").count
    }

    @Test func aReviewThatFitsIsComplete() throws {
        let review = try Self.review(flowCount: 3, length: 5, addAtStart: true)
        let document = ReviewMarkdown.render([review])
        #expect(document.omission == nil)
        #expect(document.text == ReviewMarkdown.render(review))
    }

    @Test func keptEdgesLeaveTheTablesFirst() throws {
        let review = try Self.review(flowCount: 60, length: 40, addAtStart: false)
        #expect(ReviewMarkdown.render(review).utf16.count > ReviewMarkdown.commentLimit)
        let document = ReviewMarkdown.render([review])
        #expect(document.text.utf16.count <= ReviewMarkdown.commentLimit)
        #expect(document.omission == "edges that did not change are left out of the tables")
        #expect(document.text.contains("| **added** | `T7_0 → Audit7` | `argsFieldExist(audit)` |"))
        #expect(!document.text.contains("| kept |"))
        #expect(document.text.hasSuffix("> Shortened to fit 65536 characters: edges that did not change are left out of the tables. "
            + "For the whole review, run the same `selinon-migrate review` command with `--comment-limit 0`."))
        #expect(Self.balanced(document.text))
    }

    @Test func renumberedEdgesGiveWayToWhatHappensToInFlightFlows() throws {
        let review = try Self.review(flowCount: 60, length: 40, addAtStart: true)
        let document = ReviewMarkdown.render([review])
        #expect(document.text.utf16.count <= ReviewMarkdown.commentLimit)
        #expect(document.omission == "the edge tables are left out")
        #expect(!document.text.contains("| old | new |"))
        #expect(document.text.contains("<details><summary><b>analysis_flow_59</b>: 40 renumbered, 1 added</summary>"))
        #expect(Self.balanced(document.text))
        #expect(ReviewMarkdown.render([review], characterLimit: nil).omission == nil)
    }

    /// A description of the configurations edited to a megabyte is cut in what people read
    /// (the per-flow sections stay within the limit), and kept whole in the JSON.
    @Test func anOverlongSourceDescriptionIsCutNotTheSections() throws {
        var review = try Self.review(flowCount: 2, length: 3, addAtStart: false)
        review.oldSource = "git:" + String(repeating: "x", count: 1_000_000)
        let document = ReviewMarkdown.render([review], characterLimit: 65_000)
        #expect(document.omission == nil && document.text.contains("<details>"), "\(document.text.prefix(300))")
        #expect(document.text.contains("x…"))
        #expect(ReviewText.render(review).utf8.count < 10_000)
    }

    @Test func severalMigrationsAreSeparatedByRules() throws {
        let review = try Self.review(flowCount: 2, length: 3, addAtStart: false)
        let document = ReviewMarkdown.render([review, review])
        #expect(document.text == ReviewMarkdown.render(review) + "\n\n---\n\n" + ReviewMarkdown.render(review))
    }

    @Test func aVerySmallLimitKeepsTheSummaryAndCutsItsListBetweenItems() throws {
        let review = try Self.review(flowCount: 60, length: 4, addAtStart: true)
        let document = ReviewMarkdown.render([review], characterLimit: 1_000)
        #expect(document.text.utf16.count <= 1_000)
        #expect(document.text.hasPrefix("### Migration 4 · strategy `RETRY`"))
        let summary = try #require(document.text.split(separator: "\n").first { $0.hasPrefix("**60 flows change:**") })
        #expect(summary.hasSuffix("(4 renumbered, 1 added) …"))
        #expect(document.omission == "the sections per flow are left out, and each migration's summary is cut to fit")
        #expect(!document.text.contains("<details>"))
    }

    @Test func aHeadingIsNotKeptWithoutItsItems() throws {
        // Long warnings: at small limits the heading would fit where its first item does not.
        var review = try Self.review(flowCount: 3, length: 4, addAtStart: true)
        review.warnings = (0..<3).map { "warning \($0): " + String(repeating: "w", count: 150) }
        for limit in stride(from: 500, through: 1_400, by: 20) {
            let lines = ReviewMarkdown.render([review, review], characterLimit: limit).text.split(separator: "\n", omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() where line == "**Warnings**" {
                #expect(lines.dropFirst(index + 1).first { !$0.isEmpty }?.hasPrefix("- ") == true, "limit \(limit):\n\(lines.joined(separator: "\n"))")
            }
        }
    }

    /// The taint warning names five flows per strategy and counts the rest.
    @Test func theTaintWarningNamesFiveFlowsAndCountsTheRest() throws {
        let text = ReviewMarkdown.render(try Self.review(flowCount: 6, length: 2, addAtStart: false))
        let named = (0..<5).map { "`analysis_flow_\($0)`" }.joined(separator: ", ")
        #expect(text.contains("taint in-flight flows (RETRY in \(named) and 1 more); see each flow below."), "\(text)")
    }

    @Test func everyMigrationKeepsItsHeadingAndTaintWarningWhenCut() throws {
        var reviews: [ReviewedMigration] = []
        for (version, strategy) in [(4, TaintedFlowStrategy.ignore), (5, .retry), (6, .fail)] {
            var review = try Self.review(flowCount: 60, length: 4, addAtStart: true)
            review.version = version
            review.strategy = strategy
            reviews.append(review)
        }
        let document = ReviewMarkdown.render(reviews, characterLimit: 1_000)
        #expect(document.text.utf16.count <= 1_000)
        for heading in ["### Migration 4 · strategy `IGNORE`", "### Migration 5 · strategy `RETRY`", "### Migration 6 · strategy `FAIL`"] {
            #expect(document.text.contains(heading), "\(document.text)")
        }
        #expect(document.text.components(separatedBy: "> [!WARNING]").count == 4)
        #expect(document.text.components(separatedBy: "\n---\n").count == 3)
        #expect(document.text.contains("**60 flows change:** `analysis_flow_0` (4 renumbered, 1 added)"))

        // Too many migrations for even their headings: those left out are named.
        let many = (1...40).map { version -> ReviewedMigration in
            var review = reviews[0]
            review.version = version
            return review
        }
        let cut = ReviewMarkdown.render(many, characterLimit: 1_000)
        #expect(cut.text.utf16.count <= 1_000)
        let kept = cut.text.components(separatedBy: "### Migration ").count - 1
        #expect(kept > 0 && kept < 40)
        #expect(cut.omission?.hasSuffix("left out entirely: \(40 - kept) migrations, \(kept + 1) to 40") == true, "\(cut.omission ?? "")")
        let twoLeft = ReviewMarkdown.render(Array(many[..<(kept + 2)]), characterLimit: 1_000)
        #expect(twoLeft.omission?.hasSuffix("left out entirely: migrations \(kept + 1), \(kept + 2)") == true, "\(twoLeft.omission ?? "")")
        // Five left out are still named one by one, six as a span.
        let fiveLeft = ReviewMarkdown.render(Array(many[..<(kept + 5)]), characterLimit: 1_000)
        let five = ((kept + 1)...(kept + 5)).map(String.init).joined(separator: ", ")
        #expect(fiveLeft.omission?.hasSuffix("left out entirely: migrations \(five)") == true, "\(fiveLeft.omission ?? "")")
        let sixLeft = ReviewMarkdown.render(Array(many[..<(kept + 6)]), characterLimit: 1_000)
        #expect(sixLeft.omission?.hasSuffix("left out entirely: 6 migrations, \(kept + 1) to \(kept + 6)") == true, "\(sixLeft.omission ?? "")")
    }
}
