import FlowMigration
import Foundation
import MigrationReview
import Testing

/// The DOT of every example migration is accepted by Graphviz when it is installed (CI installs it).
struct GraphTests {
    static let dot: String? = ["/usr/bin/dot", "/usr/local/bin/dot"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: dot != nil, "Graphviz's dot is not installed (apt-get install graphviz)"), arguments: [1, 2, 3])
    func graphvizAcceptsTheGraphs(_ version: Int) throws {
        let review = try ExampleReviewTests.review(version)
        for flow in review.flows {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.dot!)
            process.arguments = ["-Tsvg"]
            let input = Pipe(), output = Pipe(), errors = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            input.fileHandleForWriting.write(Data(ReviewGraph.dot(flow, version: version).utf8))
            try input.fileHandleForWriting.close()
            let svg = output.fileHandleForReading.readDataToEndOfFile()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(flow.flow): \(message)")
            #expect(String(decoding: svg, as: UTF8.self).contains("<svg"))
        }
    }

    /// Names and conditions that differ have different tooltips in the SVG: `&lt;` is not `<`,
    /// and `a\b` is not `a\\b` (drawn `a⧵b` and `a⧵⧵b`: Graphviz unescapes tooltips twice).
    @Test(.enabled(if: dot != nil, "Graphviz's dot is not installed (apt-get install graphviz)"))
    func differentNamesHaveDifferentTooltips() throws {
        var flow = try #require(ExampleReviewTests.review(2).flows.first { $0.flow == "package_analysis_flow" })
        let names = ["x&lt;y", "x<y", "p\\q", "p\\\\q"]
        let rows = flow.rows.indices.filter { flow.rows[$0].edge != nil }.prefix(names.count)
        for (row, name) in zip(rows, names) {
            for side in [\EdgeRow.old, \EdgeRow.new] where flow.rows[row][keyPath: side] != nil {
                flow.rows[row][keyPath: side]?.from = [name]
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.dot!)
        process.arguments = ["-Tsvg"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(ReviewGraph.dot(flow, version: 2).utf8))
        try input.fileHandleForWriting.close()
        let svg = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        for title in ["x&amp;lt;y", "x&lt;y", "p⧵q", "p⧵⧵q"] {
            #expect(svg.contains("xlink:title=\"\(title)\""), "\(title) in \(svg)")
        }
    }

    /// Long conditions: thousands of values (a block list), and one character carrying thousands
    /// of combining accents (one character to Swift, 20,000 bytes in UTF-8; in NFC, as no
    /// precomposed x with an accent exists, so the condition shows the accents, not escapes).
    static let longConditionValues: [(value: JSONValue, shown: String)] = [
        (.array((0..<2_500).map { .string(String(format: "pkg-%05d", $0)) }), "['pkg-00000', "),
        (.array([.string("x" + String(repeating: "\u{301}", count: 10_000))]), "['x\u{301}\u{301}"),
    ]

    /// A long condition is cut short in its tooltip — by Unicode scalars, not by characters:
    /// Graphviz refuses a quoted string longer than 16,384 bytes, and the graph with it.
    @Test(arguments: longConditionValues.indices)
    func aLongConditionIsCutShortInItsTooltip(_ example: Int) throws {
        var flow = try #require(ExampleReviewTests.review(2).flows.first { $0.flow == "package_analysis_flow" })
        let row = try #require(flow.rows.firstIndex { $0.new != nil })
        let (blocked, shown) = Self.longConditionValues[example]
        flow.rows[row].new?.condition = .object(["name": .string("argsFieldContain"),
                                                 "args": .object(["key": .string("blocked"), "value": blocked])])
        let graph = ReviewGraph.dot(flow, version: 2)
        // (bytes compared: as characters, an accent more or less makes another character)
        #expect(Data(graph.utf8).range(of: Data("argsFieldContain(blocked contains \(shown)".utf8)) != nil, "\(graph.prefix(2_000))")
        #expect(graph.contains("…\"];"))
        let longest = graph.split(separator: "\n").map(\.utf8.count).max() ?? 0
        #expect(longest < 16_384, "a line of \(longest) bytes")
        guard let dot = Self.dot else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dot)
        process.arguments = ["-Tsvg", "-o", "/dev/null"]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(graph.utf8))
        try input.fileHandleForWriting.close()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(message)")
    }

    /// An old edge translated to a new edge between other nodes (a translation edited by hand)
    /// is drawn too, as replaced — not left out, as if the row were a renumbering.
    @Test func anEdgeReplacedByOneBetweenOtherNodesIsDrawnToo() throws {
        var flow = try #require(ExampleReviewTests.review(2).flows.first { $0.flow == "package_analysis_flow" })
        let row = try #require(flow.rows.firstIndex { $0.old != nil && $0.new != nil && $0.oldIndex != nil && $0.newIndex != nil })
        flow.rows[row].change = .changed
        flow.rows[row].old?.from = ["Before"]
        let graph = ReviewGraph.dot(flow, version: 2)
        let (old, new) = (flow.rows[row].oldIndex!, flow.rows[row].newIndex!)
        #expect(graph.contains("\"replaced:\(row)\" [shape=point, width=0.08, color=\"#e03131\", xlabel=\"\(old)⇒\(new)\""), "\(graph)")
        #expect(graph.contains("\"node:Before\" -> \"replaced:\(row)\" [arrowhead=none, color=\"#e03131\", style=dashed];"), "\(graph)")
        #expect(graph.contains("\"node:Before\" [label=\"Before\""))
        // One point, a line from its source and one to each destination; rows whose edge keeps
        // its ends have no second drawing.
        let destinations = flow.rows[row].old?.to?.count ?? 0
        #expect(graph.components(separatedBy: "\"replaced:").count - 1 == 2 + destinations, "\(graph)")
    }

    @Test func removedEdgesAreRedAndDashedAndAddedOnesGreen() throws {
        let graph = ReviewGraph.dot(try #require(ExampleReviewTests.review(2).flows.first { $0.flow == "package_analysis_flow" }), version: 2)
        #expect(graph.contains("xlabel=\"5→✕\""))
        #expect(graph.contains("color=\"#e03131\", style=dashed"))
        #expect(graph.contains("xlabel=\"+5\""))
        #expect(graph.contains("color=\"#2f9e44\", style=bold"))
        // The sources of the added edge that taint a flow which finished them are highlighted.
        #expect(graph.contains("\"node:VerifySignature\" [label=\"VerifySignature\", tooltip=\"VerifySignature\", style=\"rounded,filled\""))
    }

    /// Ids are prefixed by kind: a node named like an edge's point or the start (a migration file
    /// may name anything) stays a node of its own, and control characters show as escapes.
    @Test func namesNeverTakeTheIdOfAnotherPartOfTheGraph() throws {
        var flow = try #require(ExampleReviewTests.review(2).flows.first { $0.flow == "package_analysis_flow" })
        let row = try #require(flow.rows.firstIndex { $0.edge != nil })
        for side in [\EdgeRow.old, \EdgeRow.new] where flow.rows[row][keyPath: side] != nil {
            flow.rows[row][keyPath: side]?.from = ["edge:1", "start"]
            flow.rows[row][keyPath: side]?.to = ["B\r\nC"]
        }
        let graph = ReviewGraph.dot(flow, version: 2)
        #expect(graph.contains("\"node:edge:1\" [label=\"edge:1\""))
        #expect(graph.contains("\"node:start\" -> \"edge:\(row)\" [arrowhead=none"))
        #expect(graph.contains("\"node:B\\\\r\\\\nC\" [label=\"B\\\\r\\\\nC\""), "a line break shows as \\r\\n, not as a break")
        #expect(!graph.contains("\r"))
    }
}
