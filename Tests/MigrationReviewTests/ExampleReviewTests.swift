import FlowConfig
import FlowMigration
import Foundation
import MigrationGenerator
import MigrationReview
import Testing
import TestSupport

/// Reviews of the committed example migrations (`migrations/1…3.json`, generated from
/// `examples/package-analysis/v1…v4`), checked against golden files in every format.
struct ExampleReviewTests {
    static let root = Fixtures.repositoryRoot
    static let goldens = Snapshot.directory().appendingPathComponent("Goldens")

    static func configuration(_ version: Int) throws -> Configuration {
        let directory = root.appendingPathComponent("examples/package-analysis/v\(version)")
        let source = FileSystemConfigurationSource(nodesFile: directory.appendingPathComponent("nodes.yml").path,
                                                   flowPaths: [directory.appendingPathComponent("flows").path])
        return try ConfigurationLoader().load(from: source).get()
    }

    static func migration(_ version: Int) throws -> Migration {
        try MigrationDirectory.load(from: root.appendingPathComponent("migrations").path).files[version - 1].migration
    }

    static func review(_ version: Int) throws -> ReviewedMigration {
        MigrationReviewer.review(version: version, migration: try migration(version),
                                 old: MigrationReviewer.edges(of: try configuration(version)),
                                 new: MigrationReviewer.edges(of: try configuration(version + 1)))
    }

    @Test(arguments: [1, 2, 3])
    func onlyTheConfigurationAMigrationLeadsToFitsIt(_ version: Int) throws {
        // What a file without digests can be checked by: each example version fits the
        // migration that leads to it, and the version before (more edges, other places) does not.
        let migration = try Self.migration(version)
        #expect(MigrationReviewer.misfit(MigrationReviewer.edges(of: try Self.configuration(version + 1)), after: migration) == nil)
        let older = MigrationReviewer.misfit(MigrationReviewer.edges(of: try Self.configuration(version)), after: migration)
        #expect(older != nil)
    }

    /// An edge index one past a flow's last edge does not fit it, in a translation or as an added
    /// edge (whose sources would otherwise be read beyond the flow's edges).
    @Test func anEdgeIndexOnePastTheLastEdgeDoesNotFit() throws {
        let edges = MigrationReviewer.edges(of: try Self.configuration(2))
        let (name, flow) = try #require(edges.min { $0.key < $1.key })
        let expected = "flow '\(name)' has \(flow.count) edges, and the migration names edge \(flow.count)"
        let translated = Migration(flows: [name: EdgeMigration(translation: [0: flow.count])], strategy: .ignore)
        #expect(MigrationReviewer.misfit(edges, after: translated) == expected)
        let added = Migration(flows: [name: EdgeMigration(taintingNodes: [flow.count: ["Fetch"]])], strategy: .ignore)
        #expect(MigrationReviewer.misfit(edges, after: added) == expected)
    }

    /// Selinon's generator writes an empty entry for every flow after the first changed one (D-3):
    /// they change nothing, so the review shows the same flows, and says what it left out.
    @Test func selinonsEmptyEntriesAreNotShownAsChangedFlows() throws {
        var selinons = try Self.migration(1)
        let unchanged = try Self.configuration(1).flows.keys.filter { selinons.flows[$0] == nil }.sorted()
        try #require(!unchanged.isEmpty)
        for name in unchanged { selinons.flows[name] = EdgeMigration() }
        let review = MigrationReviewer.review(version: 1, migration: selinons, old: MigrationReviewer.edges(of: try Self.configuration(1)),
                                              new: MigrationReviewer.edges(of: try Self.configuration(2)))
        #expect(review.flows.map(\.flow) == (try Self.review(1)).flows.map(\.flow))
        #expect(review.limitations.contains { $0.hasPrefix("the file has entries that change nothing for flow") && $0.contains(unchanged[0]) },
                "\(review.limitations)")
        let listed = "the file has entries that change nothing for \(unchanged.count == 1 ? "flow" : "flows") \(unchanged.joined(separator: ", ")) ("
        #expect(review.limitations.contains { $0.hasPrefix(listed) }, "\(review.limitations)")
    }

    @Test(arguments: [1, 2, 3])
    func reviewMatchesItsGoldens(_ version: Int) throws {
        let review = try Self.review(version)
        Snapshot.assertMatches(ReviewText.render(review) + "\n", golden: Self.goldens.appendingPathComponent("migration-\(version).txt").path)
        Snapshot.assertMatches(ReviewMarkdown.render(review) + "\n", golden: Self.goldens.appendingPathComponent("migration-\(version).md").path)
        Snapshot.assertMatches(String(decoding: JSONWriter.pretty(review.jsonValue), as: UTF8.self),
                               golden: Self.goldens.appendingPathComponent("migration-\(version).json").path)
        Snapshot.assertMatches(review.flows.map { ReviewGraph.dot($0, version: version) }.joined(),
                               golden: Self.goldens.appendingPathComponent("migration-\(version).dot").path)
    }

    @Test func withoutConfigurationsTheReviewSaysWhatItCannotShow() throws {
        let review = MigrationReviewer.review(version: 2, migration: try Self.migration(2), old: nil, new: nil)
        Snapshot.assertMatches(ReviewText.render(review) + "\n", golden: Self.goldens.appendingPathComponent("migration-2-no-configuration.txt").path)
        #expect(review.limitations.contains { $0.contains("no configuration was available") })
        // Edges that kept their index are named together, not as rows of question marks.
        let markdown = ReviewMarkdown.render(review)
        #expect(markdown.contains("\nEdges 0–4, 6 and 7 keep their index (not shown: no configuration).\n"), "\(markdown)")
        #expect(!markdown.contains("| kept |"))
        // The removed edge is still named: the file records it.
        let removed = try #require(review.flows.first { $0.flow == "licence_analysis_flow" }?.rows.first { $0.change == .removed })
        #expect(removed.old?.display == "ScanLicences → FlagUnknownLicence")
    }

    /// `rows` without what a migration file cannot record: whether a removed edge had `foreach`,
    /// and the order its sources and destinations were written in (the file records sets).
    static func comparable(_ rows: [EdgeRow]?) -> [EdgeRow]? {
        rows?.map { row in
            var row = row
            row.old = row.old.map(comparable)
            row.new = row.new.map(comparable)
            return row
        }
    }

    static func comparable(_ edges: [ReviewedEdge]?) -> [ReviewedEdge]? {
        edges?.map(comparable)
    }

    static func comparable(_ edge: ReviewedEdge) -> ReviewedEdge {
        ReviewedEdge(from: edge.from.sorted(), to: edge.to?.sorted(), condition: edge.condition)
    }

    @Test(arguments: [1, 2, 3])
    func theNewConfigurationAloneGivesTheSameEdges(_ version: Int) throws {
        let full = try Self.review(version)
        let fromNew = MigrationReviewer.review(version: version, migration: try Self.migration(version), old: nil,
                                               new: MigrationReviewer.edges(of: try Self.configuration(version + 1)))
        let derivedOld = MigrationReviewer.oldEdges(from: MigrationReviewer.edges(of: try Self.configuration(version + 1)),
                                                    through: try Self.migration(version))
        // A flow the file leaves out is shown only where both configurations tell its change.
        for flow in full.flows where !flow.isRemoved && !flow.consequences.contains(where: { $0.kind == .changedInPlace }) {
            #expect(Self.comparable(fromNew.flows.first { $0.flow == flow.flow }?.rows) == Self.comparable(flow.rows), "flow \(flow.flow)")
            #expect(Self.comparable(derivedOld[flow.flow]) == Self.comparable(MigrationReviewer.edges(of: try Self.configuration(version))[flow.flow]),
                    "flow \(flow.flow)")
        }
    }

    @Test(arguments: [1, 2, 3])
    func theOldConfigurationAloneNamesEverythingButAddedDestinations(_ version: Int) throws {
        let full = try Self.review(version)
        let fromOld = MigrationReviewer.review(version: version, migration: try Self.migration(version),
                                               old: MigrationReviewer.edges(of: try Self.configuration(version)), new: nil)
        for flow in full.flows where !flow.consequences.contains(where: { $0.kind == .changedInPlace }) {
            let rows = try #require(fromOld.flows.first { $0.flow == flow.flow }?.rows)
            #expect(rows.map(\.change) == flow.rows.map(\.change), "flow \(flow.flow)")
            for (derived, actual) in zip(rows, flow.rows) {
                if actual.change == .added {
                    #expect(derived.new?.from.sorted() == actual.new?.from.sorted() && derived.new?.to == nil)
                } else {
                    #expect(Self.comparable([derived]) == Self.comparable([actual]), "flow \(flow.flow)")
                }
            }
        }
    }

    @Test func aFileClaimingMillionsOfEdgesIsNotDrawnRowByRow() throws {
        // Edited files (verify passes once rehashed): ten million edges in _meta, or an edge
        // moved to index 999,999. A row per edge took minutes and gigabytes.
        let counts = try JSONParser().parse(Array(#"{"edge_counts": {"big": {"old": 10000000, "new": 10000000}}}"#.utf8))
        let claimed = Migration(flows: ["big": EdgeMigration(translation: [2: 3, 3: 2]), "far": EdgeMigration(translation: [4: 999_999]),
                                        "small": EdgeMigration(translation: [0: nil])],
                                strategy: .ignore, metadata: counts)
        let review = MigrationReviewer.review(version: 1, migration: claimed, old: nil, new: nil)
        #expect(review.flows.map(\.flow) == ["big", "far", "small"])
        #expect(review.flows[0].rows.isEmpty && review.flows[1].rows.isEmpty)
        #expect(review.flows[2].rows.map(\.change) == [.removed])
        #expect(review.limitations.contains { $0.hasPrefix("flow 'big': the migration names 10000000 edges") })
        #expect(review.limitations.contains { $0.hasPrefix("flow 'far': the migration names 1000000 edges") })
        #expect(MigrationReviewer.newEdges(from: ["far": [], "small": [ReviewedEdge(from: [], to: ["A"], condition: nil)]], through: claimed)["far"] == nil)
    }

    @Test func aNewStartingEdgeIsSaidNotToRunInFlowsAlreadyStarted() throws {
        func configuration(_ edges: [String]) throws -> Configuration {
            try ConfigurationDiffTests.load(nodes: ConfigurationDiffTests.nodes, flows: "flow-definitions:\n  - name: f\n    edges:\n"
                + edges.map { "      - \($0)\n" }.joined())
        }
        let old = try configuration(["{from: , to: A}", "{from: A, to: B}"])
        let new = try configuration(["{from: , to: C}", "{from: , to: A}", "{from: A, to: B}"])
        let migration = MigrationDiffer().plan(from: old, to: new, strategy: .ignore).migration
        let review = MigrationReviewer.review(version: 1, migration: migration, old: MigrationReviewer.edges(of: old),
                                              new: MigrationReviewer.edges(of: new))
        let consequences = try #require(review.flows.first).consequences
        #expect(consequences.map(\.text) == [
            "In-flight states are renumbered (0 → 1, 1 → 2).",
            "A flow that already started will never run the new starting edge `(start) → C` (new edge 0); the edge taints no flow, so "
                + "a flow no other change taints continues without it. Restarted flows (RETRY) and flows started after the deploy run it.",
        ])
        #expect(consequences.last?.kind == .newStartingEdge)
    }

    /// A hand edit can translate an old edge to an edge with other sources or destinations;
    /// the review must not present that as a condition change.
    @Test func aTranslationToAnotherEdgeIsCalledOut() throws {
        func configuration(_ edges: [String]) throws -> Configuration {
            try ConfigurationDiffTests.load(nodes: "tasks: [{name: A, import: t}, {name: B, import: t}, {name: C, import: t}, {name: D, import: t}]\n"
                + "flows: [f]\n", flows: "flow-definitions:\n  - name: f\n    edges:\n" + edges.map { "      - \($0)\n" }.joined())
        }
        let old = try configuration(["{from: , to: A}", "{from: A, to: B}", "{from: A, to: C}", "{from: B, to: D}"])
        let new = try configuration(["{from: , to: A}", "{from: A, to: C}", "{from: A, to: D}", "{from: A, to: B}", "{from: B, to: D}"])
        var migration = MigrationDiffer().plan(from: old, to: new, strategy: .ignore).migration
        #expect(migration.flows["f"]?.translation == [1: 3, 2: 1, 3: 4])
        let generated = MigrationReviewer.review(version: 1, migration: migration, old: MigrationReviewer.edges(of: old),
                                                 new: MigrationReviewer.edges(of: new))
        #expect(!generated.flows.flatMap(\.consequences).contains { $0.kind == .translatedToOtherEdge })
        // Edited: old B → D (3) goes to new A → B (3), old A → B (1) to new B → D (4).
        migration.flows["f"]?.translation = [1: 4, 2: 1, 3: 3]
        let edited = MigrationReviewer.review(version: 1, migration: migration, old: MigrationReviewer.edges(of: old),
                                              new: MigrationReviewer.edges(of: new))
        let flagged = try #require(edited.flows.first).consequences.filter { $0.kind == .translatedToOtherEdge }
        #expect(flagged.map(\.edge) == [3, 1])
        let rendered = ReviewText.render(edited)
        #expect(rendered.contains("B → D ⇒ A → B") && rendered.contains("A → B ⇒ B → D"), "\(rendered)")
        #expect(!ReviewText.render(generated).contains("⇒ A → B"))
        #expect(flagged.first?.text.hasPrefix("Old edge 3 `B → D` is translated to new edge 3 `A → B`, an edge with other sources or destinations") == true,
                "\(flagged.first?.text ?? "")")
    }

    /// An armed edge with a condition runs only if the condition holds; one without always runs.
    @Test func anArmedEdgeWithAConditionIsSaidToRunIfItHolds() throws {
        func configuration(_ edges: [String]) throws -> Configuration {
            try ConfigurationDiffTests.load(nodes: ConfigurationDiffTests.nodes, flows: "flow-definitions:\n  - name: f\n    edges:\n"
                + edges.map { "      - \($0)\n" }.joined())
        }
        let old = try configuration(["{from: , to: A}"])
        let new = try configuration(["{from: , to: A}", "{from: A, to: B, condition: {name: argsFieldEqual, args: {key: mode, value: full}}}",
                                     "{from: A, to: C}"])
        let migration = MigrationDiffer().plan(from: old, to: new, strategy: .ignore).migration
        let review = MigrationReviewer.review(version: 1, migration: migration, old: MigrationReviewer.edges(of: old),
                                              new: MigrationReviewer.edges(of: new))
        let armed = try #require(review.flows.first).consequences.filter { $0.kind == .edgeArmed }.map(\.text)
        #expect(armed == ["A flow in which `A` is running gets the new edge `A → B` (new edge 1) armed: it runs when it finishes, if its "
                            + "condition holds.",
                          "A flow in which `A` is running gets the new edge `A → C` (new edge 2) armed: it runs when it finishes."], "\(armed)")
    }

    /// Renumbered edges whose condition changed too: not "nothing else changes" — flows waiting
    /// for the changed edge meet it as it is now.
    @Test func aRenumberedFlowWithAChangedEdgeSaysSo() throws {
        func configuration(_ edges: [String]) throws -> Configuration {
            try ConfigurationDiffTests.load(nodes: ConfigurationDiffTests.nodes, flows: "flow-definitions:\n  - name: f\n    edges:\n"
                + edges.map { "      - \($0)\n" }.joined())
        }
        let old = try configuration(["{from: , to: A}", "{from: A, to: B}", "{from: A, to: C}"])
        let new = try configuration(["{from: , to: A}", "{from: A, to: C}", "{from: A, to: B, condition: {name: alwaysFalse}}"])
        let migration = MigrationDiffer().plan(from: old, to: new, strategy: .ignore).migration
        let review = MigrationReviewer.review(version: 1, migration: migration, old: MigrationReviewer.edges(of: old),
                                              new: MigrationReviewer.edges(of: new))
        let texts = try #require(review.flows.first).consequences.map(\.text)
        #expect(texts == ["In-flight states are renumbered (1 → 2, 2 → 1).",
                          "In-flight flows meet the changed edge 2 as it is now when its sources finish; a flow in which they "
                            + "finished already judged it by the old edge (fired, or a condition was false) and does not judge it "
                            + "again."], "\(texts)")
    }

    /// A starting edge is judged once, when a flow starts: no in-flight flow waits for it, so
    /// its changed condition is said to reach only flows started (or restarted) after the deploy —
    /// in the review and in generate's warning alike.
    @Test func aChangedStartingEdgeReachesOnlyNewFlows() throws {
        func configuration(_ edges: [String]) throws -> Configuration {
            try ConfigurationDiffTests.load(nodes: ConfigurationDiffTests.nodes, flows: "flow-definitions:\n  - name: f\n    edges:\n"
                + edges.map { "      - \($0)\n" }.joined())
        }
        let old = try configuration(["{from: , to: A}", "{from: A, to: B}", "{from: A, to: C}",
                                     "{from: , to: C, condition: {name: envExist, args: {env: X}}}"])
        let new = try configuration(["{from: , to: A}", "{from: A, to: C}", "{from: A, to: B}",
                                     "{from: , to: C, condition: {name: envExist, args: {env: Y}}}"])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        #expect(plan.warnings.map(\.message) == ["the condition of edge 3 ((start) → C) of flow 'f' changed; it is a starting edge, judged "
            + "when a flow starts: in-flight flows keep what the old one decided, and only flows started after the deploy (or restarted "
            + "by RETRY) meet the new one"], "\(plan.warnings.map(\.message))")
        let review = MigrationReviewer.review(version: 1, migration: plan.migration, old: MigrationReviewer.edges(of: old),
                                              new: MigrationReviewer.edges(of: new))
        let texts = try #require(review.flows.first).consequences.map(\.text)
        #expect(texts == ["In-flight states are renumbered (1 → 2, 2 → 1).",
                          "In-flight flows judged the changed starting edge 3 by the old edge when they started and do not meet it "
                            + "again: only flows started after the deploy (or restarted by RETRY) judge it anew."], "\(texts)")
    }

    /// A removed edge whose destinations an added edge starts along with others (`T0 → T1` and
    /// `T0 → T2` merged into `T0 → T1, T2`): flows waiting for it are told that the new edge
    /// starts them instead, as for an added edge to exactly its destinations.
    @Test func anAddedEdgeToMoreDestinationsStartsThemInstead() throws {
        let old = try Self.flow(["{from: , to: T0}", "{from: T0, to: T1}", "{from: T0, to: T2}"])
        let new = try Self.flow(["{from: , to: T0}", "{from: T0, to: [T1, T2]}"])
        let dropped = try Self.consequences(from: old, to: new).filter { $0.kind == .waitingEdgeDropped }.map(\.text)
        #expect(dropped.count == 2 && dropped.allSatisfy { $0.contains("; the new edge `T0 → T1, T2` (new edge 1) starts ") && $0.contains(" instead ") },
                "\(dropped)")
    }

    /// The flow `f` over tasks `T0…T9` and `N` with `edges`, and extra flow-level YAML.
    static func flow(_ edges: [String], extra: String = "") throws -> Configuration {
        let tasks = (0...9).map { "T\($0)" } + ["N"]
        return try ConfigurationDiffTests.load(nodes: "tasks:\n" + tasks.map { "  - {name: \($0), import: t}\n" }.joined() + "flows: [f]\n",
                                               flows: "flow-definitions:\n  - name: f\n" + extra + "    edges:\n"
                                                + edges.map { "      - \($0)\n" }.joined())
    }

    static func consequences(from old: Configuration, to new: Configuration, strategy: TaintedFlowStrategy = .retry,
                             knowingOld: Bool = true) throws -> [Consequence] {
        let migration = MigrationDiffer().plan(from: old, to: new, strategy: strategy).migration
        let review = MigrationReviewer.review(version: 1, migration: migration, old: MigrationReviewer.edges(of: old),
                                              new: MigrationReviewer.edges(of: new), oldConfiguration: knowingOld ? old : nil,
                                              newConfiguration: knowingOld ? new : nil)
        return try #require(review.flows.first).consequences
    }

    /// A new edge from a node that only a new starting edge leads to: no flow started before the
    /// migration runs that node, so the edge neither starts a removed edge's destination
    /// "instead" nor is armed or taints in any of them.
    @Test func anEdgeFromANodeOnlyANewStartingEdgeLeadsToNeverRunsInFlight() throws {
        let old = try Self.flow(["{from: , to: T0}", "{from: T0, to: T1}", "{from: T1, to: N}"])
        let new = try Self.flow(["{from: , to: T0}", "{from: , to: T2}", "{from: T0, to: T1}", "{from: [T1, T2], to: N}"])
        let said = try Self.consequences(from: old, to: new)
        #expect(said.first { $0.kind == .waitingEdgeDropped }?.text.hasSuffix("the new edge `T1, T2 → N` (new edge 3) starts `N` in "
            + "none of these flows: no flow started before the migration runs `T2`.") == true, "\(said.map(\.text))")
        #expect(said.filter { $0.edge == 3 }.map(\.kind) == [.sourceNeverRuns], "\(said.map(\.text))")
        // (The dot graph and JSON name the kind; the rest of the review is as for any added edge.)
        // Without the configurations, the review cannot tell: it says what the file says.
        let unknown = try Self.consequences(from: old, to: new, knowingOld: false)
        #expect(unknown.filter { $0.edge == 3 }.map(\.kind) == [.sourcesFinished, .edgeArmed], "\(unknown.map(\.text))")
    }

    /// A node that stops being `nowait` and gains an edge: flows that started it before never
    /// recorded it running or finished, so the edge neither taints nor is armed there.
    @Test func anEdgeFromANodeTheOldFlowDidNotTrackNeverRunsInFlightAndTaintsNothing() throws {
        let edges = ["{from: , to: T0}", "{from: T0, to: N}", "{from: T0, to: T1}", "{from: T1, to: T2}"]
        let old = try Self.flow(edges, extra: "    nowait: N\n")
        let new = try Self.flow(edges + ["{from: N, to: T2}"])
        let consequences = try Self.consequences(from: old, to: new)
        #expect(consequences.map(\.kind) == [.untrackedSource], "\(consequences.map(\.text))")
        #expect(consequences.first?.strategy == nil)
        #expect(consequences.first?.text == "A flow that started `N` before the deploy never runs the new edge `N → T2` (new edge 4), and "
            + "nothing taints it: `N` was `nowait` in the old flow, so its dispatcher does not know when it finishes. Flows that start "
            + "`N` after the deploy run the edge.")
        // Without the old configuration (only edges), the review cannot know.
        #expect(try Self.consequences(from: old, to: new, knowingOld: false).map(\.kind) == [.sourcesFinished, .edgeArmed])
    }

    /// A removed sub-flow that the old flow started `nowait` is never among its active nodes: no
    /// flow is said to be tainted by one still running.
    @Test func aRemovedNowaitSubflowTaintsNoFlow() throws {
        let nodes = "tasks:\n  - {name: T0, import: t}\n  - {name: T1, import: t}\nflows: [f, s]\n"
        let old = try ConfigurationDiffTests.load(nodes: nodes, flows: """
            flow-definitions:
              - name: f
                nowait: s
                edges:
                  - {from: , to: T0}
                  - {from: T0, to: s}
              - name: s
                edges:
                  - {from: , to: T1}
            """)
        let new = try ConfigurationDiffTests.load(nodes: nodes.replacingOccurrences(of: "[f, s]", with: "[f]"), flows: """
            flow-definitions:
              - name: f
                edges:
                  - {from: , to: T0}
                  - {from: T0, to: T1}
            """)
        // (The removed flow is known from the file's _meta, as generate writes it.)
        let migration = Self.migrationWithMeta(from: old, to: new, strategy: .retry)
        func subflowConsequences(knowingOld: Bool) throws -> [Consequence] {
            let review = MigrationReviewer.review(version: 1, migration: migration, old: MigrationReviewer.edges(of: old),
                                                  new: MigrationReviewer.edges(of: new), oldConfiguration: knowingOld ? old : nil)
            return try #require(review.flows.first { $0.flow == "f" }).consequences.filter { $0.kind == .subflowRemoved }
        }
        let subflow = try subflowConsequences(knowingOld: true)
        #expect(subflow.map(\.text) == ["Sub-flow `s` (started by old edge 1) was `nowait` in the old flow, so no flow tracks a running "
            + "one: it taints none; it is removed, and a running one fails on the new workers on its own."], "\(subflow.map(\.text))")
        #expect(subflow.first?.strategy == nil)
        // Without the old configuration, the review cannot know it was `nowait`.
        #expect(try subflowConsequences(knowingOld: false).first?.strategy == .retry)
    }

    /// The review of the migration `generate` writes from `old` to `new`, with its `_meta` (the
    /// removed flows and edge counts come from there) and both configurations known.
    static func review(from old: Configuration, to new: Configuration) -> ReviewedMigration {
        MigrationReviewer.review(version: 1, migration: migrationWithMeta(from: old, to: new, strategy: .ignore),
                                 old: MigrationReviewer.edges(of: old), new: MigrationReviewer.edges(of: new),
                                 oldConfiguration: old, newConfiguration: new)
    }

    /// The migration `generate` writes from `old` to `new`, with its `_meta`.
    static func migrationWithMeta(from old: Configuration, to new: Configuration, strategy: TaintedFlowStrategy) -> Migration {
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: strategy)
        var migration = plan.migration
        migration.metadata = MigrationMetadata(
            toolVersion: "test", oldSource: "old", newSource: "new", oldDigest: StructureDigest.digest(of: old),
            newDigest: StructureDigest.digest(of: new), warnings: plan.warnings, edgeCounts: MigrationMetadata.edgeCounts(old: old, new: new),
            date: Date(timeIntervalSince1970: 0), host: "test", user: nil).jsonValue
        return migration
    }

    /// A removed flow that was a fallback of another: where that fallback is still running, the
    /// flow fails with it — said in the flow's section, which no longer claims that nothing but
    /// the renumbering changes, and in a section of its own when its edges did not change.
    @Test(arguments: [false, true])
    func aRemovedFallbackFlowFailsTheFlowsRunningIt(reordered: Bool) throws {
        let nodes = "tasks:\n  - {name: T0, import: t}\n  - {name: T1, import: t}\n  - {name: T2, import: t}\nflows: [f, rescue]\n"
        let old = try ConfigurationDiffTests.load(nodes: nodes, flows: """
            flow-definitions:
              - name: f
                edges:
                  - {from: , to: T0}
                  - {from: T0, to: T1}
                  - {from: T0, to: T2}
                failures:
                  - {nodes: T0, fallback: rescue}
              - name: rescue
                edges:
                  - {from: , to: T2}
            """)
        let edges = reordered ? "      - {from: T0, to: T2}\n      - {from: T0, to: T1}\n" : "      - {from: T0, to: T1}\n      - {from: T0, to: T2}\n"
        let new = try ConfigurationDiffTests.load(nodes: nodes.replacingOccurrences(of: "[f, rescue]", with: "[f]"), flows: """
            flow-definitions:
              - name: f
                edges:
                  - {from: , to: T0}
            \(edges)    failures:
                  - {nodes: T0, fallback: T1}
            """)
        let section = try #require(Self.review(from: old, to: new).flows.first { $0.flow == "f" })
        let fallback = section.consequences.filter { $0.kind == .fallbackRemoved }
        #expect(fallback.map(\.text) == ["A flow in which fallback `rescue` (started when `T0` failed) is still running FAILS — unless "
            + "another change of this migration taints it under RETRY, which restarts it and leaves the fallback behind: `rescue` is "
            + "removed, so it fails on the new workers, and this flow with it (the new configuration can have no failure entry for a flow "
            + "it no longer has); the fallback itself taints nothing."], "\(section.consequences.map(\.text))")
        #expect(fallback.first?.strategy == .fail)
        #expect(!section.consequences.contains { $0.text.contains("does nothing else") }, "\(section.consequences.map(\.text))")
        #expect(section.rows.count == 3)
    }

    /// A flow the file leaves out whose condition changed in place, and which also gained a
    /// starting edge at its end (which needs no migration either): it has its section.
    @Test func aConditionChangedBesideANewStartingEdgeIsShown() throws {
        let old = try Self.flow(["{from: , to: T0}", "{from: T0, to: T1, condition: {name: argsFieldExist, args: {key: a}}}"])
        let new = try Self.flow(["{from: , to: T0}", "{from: T0, to: T1, condition: {name: argsFieldExist, args: {key: b}}}",
                                 "{from: , to: T2}"])
        let section = try #require(Self.review(from: old, to: new).flows.first { $0.flow == "f" })
        #expect(section.rows.map(\.change) == [.kept, .changed, .added], "\(section.rows)")
        #expect(section.consequences.map(\.kind) == [.changedInPlace, .newStartingEdge], "\(section.consequences.map(\.text))")
    }

    /// A duplicate edge removed: the copy that stays still starts the destination.
    @Test func aRemovedDuplicateEdgeIsSaidToLeaveItsTwinStartingTheDestination() throws {
        let old = try Self.flow(["{from: , to: T0}", "{from: T0, to: [T1, T2]}", "{from: T0, to: N}", "{from: T0, to: N}"])
        let new = try Self.flow(["{from: , to: T0}", "{from: T0, to: N}", "{from: T0, to: [T2, T1]}"])
        let dropped = try Self.consequences(from: old, to: new).filter { $0.kind == .waitingEdgeDropped }.map(\.text)
        #expect(dropped == ["A flow waiting for `T0 → N` (old edge 3: its source has not finished yet) stops waiting for it, untainted: "
            + "the same edge `T0 → N` stays as new edge 1 (old edge 2) and still starts `N`, once where the two edges started it twice."],
                "\(dropped)")
    }

    /// An edge between the same nodes that stays with another condition is no twin: it starts
    /// the destination only where its own condition holds, and flows in which only the removed
    /// edge's held lose the destination.
    @Test func aRemovedEdgeBesideOneWithAnotherConditionIsNotSaidToBeCoveredByIt() throws {
        func condition(_ value: String) -> String { "condition: {name: argsFieldEqual, args: {key: s, value: \(value)}}" }
        let old = try Self.flow(["{from: , to: T0}", "{from: T0, to: N, \(condition("x"))}", "{from: T0, to: N, \(condition("y"))}"])
        let new = try Self.flow(["{from: , to: T0}", "{from: T0, to: N, \(condition("y"))}"])
        let dropped = try Self.consequences(from: old, to: new).filter { $0.kind == .waitingEdgeDropped }.map(\.text)
        #expect(dropped == ["A flow waiting for `T0 → N` (old edge 1: its source has not finished yet, or its condition was false when "
            + "it did) stops waiting for it, untainted: `T0 → N` stays as new edge 1 (old edge 2) with its own condition "
            + "(`argsFieldEqual(s == 'y')`) and starts `N` only where that holds: a flow in which only this edge's condition would "
            + "have held loses `N`, untainted."], "\(dropped)")
        // One that stays with no condition starts `N` wherever `T0` finished: nothing is lost.
        let always = try Self.flow(["{from: , to: T0}", "{from: T0, to: N, \(condition("x"))}", "{from: T0, to: N}"])
        let kept = try Self.flow(["{from: , to: T0}", "{from: T0, to: N}"])
        let unconditional = try Self.consequences(from: always, to: kept).filter { $0.kind == .waitingEdgeDropped }.map(\.text)
        #expect(unconditional.first?.hasSuffix("the same edge `T0 → N` stays as new edge 1 (old edge 2) and still starts `N`, once where "
            + "the two edges started it twice.") == true, "\(unconditional)")
    }

    /// A removed edge's destination gains an edge from a node new to the flow, which only an added
    /// edge from an earlier node starts: in a flow waiting for the removed edge that added edge
    /// taints instead of firing, so the new node never runs and the replacement starts nothing.
    @Test func aReplacementThroughANodeOnlyATaintingEdgeStartsIsNotSaidToStartTheDestination() throws {
        let old = try Self.flow(["{from: , to: T0}", "{from: T0, to: T1}", "{from: T1, to: T3}"])
        let edges = ["{from: , to: T0}", "{from: T0, to: T1}", "{from: T0, to: T5}", "{from: [T1, T5], to: T3}"]
        let dropped = try Self.consequences(from: old, to: Self.flow(edges)).filter { $0.kind == .waitingEdgeDropped }.map(\.text)
        #expect(dropped == ["A flow waiting for `T1 → T3` (old edge 2: its source has not finished yet) stops waiting for it, untainted: "
            + "`T3` will not be started by it; the new edge `T1, T5 → T3` (new edge 3) starts `T3` in none of these flows: only "
            + "`T0 → T5` starts `T5`, and its sources have always finished before `T1` starts, so it taints these flows instead (below)."],
                "\(dropped)")
        // Where the new flow also starts T5 another way (a fallback), the replacement may start T3.
        let rescued = try Self.flow(edges, extra: "    failures:\n      - {nodes: T1, fallback: T5}\n")
        let instead = try Self.consequences(from: old, to: rescued).filter { $0.kind == .waitingEdgeDropped }.map(\.text)
        #expect(instead.count == 1 && instead[0].contains("starts `T3` instead once all of its sources have finished"), "\(instead)")
    }

    /// The "none of these flows" claims hold only where they hold for every run: a source that
    /// runs again (a second edge starts it) may arm the added edge after all; a chain of new
    /// nodes from an earlier node never starts; a source the old flow did not track never fires.
    @Test func replacementClaimsFollowEveryRun() throws {
        let condition = "condition: {name: argsFieldExist, args: {key: d}}"
        func dropped(_ old: [String], _ new: [String], oldExtra: String = "") throws -> String {
            let texts = try Self.consequences(from: Self.flow(old, extra: oldExtra), to: Self.flow(new), strategy: .ignore)
                .filter { $0.kind == .waitingEdgeDropped }.map(\.text)
            return try #require(texts.first, "\(texts)")
        }
        // T0 runs twice (the starting edge and T1 → T0): T0 → T4 may still be armed where T2 waits.
        let again = try dropped(["{from: , to: [T0, T1]}", "{from: T1, to: T0}", "{from: T0, to: T2}", "{from: T2, to: T3, \(condition)}"],
                                ["{from: , to: [T0, T1]}", "{from: T1, to: T0}", "{from: T0, to: T2}", "{from: T0, to: T4}", "{from: T4, to: T3}"])
        #expect(again.hasSuffix("the new edge `T4 → T3` (new edge 4) starts `T3` instead once all of its sources have finished, in "
            + "flows where one of them is yet to finish (an edge is armed when one of its sources finishes)."), "\(again)")
        // T0 → T5 → T4 → T3: T5 and T4 are new, T0 always finished before T2 starts.
        let chain = try dropped(["{from: , to: [T0, T9]}", "{from: T0, to: T2}", "{from: T2, to: T3, \(condition)}"],
                                ["{from: , to: [T0, T9]}", "{from: T0, to: T2}", "{from: T0, to: T5}", "{from: T5, to: T4}", "{from: T4, to: T3}"])
        #expect(chain.hasSuffix("the new edge `T4 → T3` (new edge 4) starts `T3` in none of these flows: only `T5 → T4` starts `T4`, which "
            + "is new to the flow, and none of the added edges on the way to it fires in them (their sources always finished before `T2` "
            + "starts, so they taint instead, were `nowait` in the old flow, or are started by nothing there)."), "\(chain)")
        // N was nowait (and is no longer): its dispatcher never saw it finish.
        let quiet = try dropped(["{from: , to: [T0, N, T9]}", "{from: T0, to: T2}", "{from: T2, to: T3, \(condition)}"],
                                ["{from: , to: [T0, N, T9]}", "{from: T0, to: T2}", "{from: N, to: T3}"], oldExtra: "    nowait: N\n")
        #expect(quiet.hasSuffix("the new edge `N → T3` (new edge 2) starts `T3` in none of these flows: `N` was `nowait` in the old flow, "
            + "so its dispatcher does not know when it finishes."), "\(quiet)")
        // A chain from a node that was nowait: nothing on the way fires.
        let quietChain = try dropped(["{from: , to: [T0, N, T9]}", "{from: T0, to: T2}", "{from: T2, to: T3, \(condition)}"],
                                     ["{from: , to: [T0, N, T9]}", "{from: T0, to: T2}", "{from: N, to: T5}", "{from: T5, to: T3}"],
                                     oldExtra: "    nowait: N\n")
        #expect(quietChain.contains("the new edge `T5 → T3` (new edge 3) starts `T3` in none of these flows"), "\(quietChain)")
        // T0 started per item of a foreach runs several times: T0 → T3 may still fire where T2 waits.
        let perItem = try dropped(["{from: , to: T9}", "{from: T9, to: T0, foreach: {function: it, import: m}}", "{from: T0, to: T2}",
                                   "{from: T2, to: T3, \(condition)}"],
                                  ["{from: , to: T9}", "{from: T9, to: T0, foreach: {function: it, import: m}}", "{from: T0, to: T2}",
                                   "{from: T0, to: T3}"])
        #expect(perItem.contains("the new edge `T0 → T3` (new edge 3) starts `T3` instead"), "\(perItem)")
        // Two new edges to the destination: each is said (one starts it where the other cannot).
        let both = try dropped(["{from: , to: [T0, N, T9]}", "{from: T0, to: T2}", "{from: T2, to: T3, \(condition)}"],
                               ["{from: , to: [T0, N, T9]}", "{from: T0, to: T2}", "{from: N, to: T3}", "{from: T9, to: T3}"],
                               oldExtra: "    nowait: N\n")
        #expect(both.contains("the new edge `N → T3` (new edge 2) starts `T3` in none of these flows")
                && both.contains("; the new edge `T9 → T3` (new edge 3) starts `T3` instead"), "\(both)")
        // A source that runs again: the flow is tainted all the same, and its next run fires the edge.
        let twice = try Self.consequences(from: Self.flow(["{from: , to: [T0, T1]}", "{from: T1, to: T0}", "{from: T0, to: T2}"]),
                                          to: Self.flow(["{from: , to: [T0, T1]}", "{from: T1, to: T0}", "{from: T0, to: T2}", "{from: T0, to: T3}"]),
                                          strategy: .ignore)
        #expect(twice.map(\.text).contains("A flow in which `T0` already finished will not run the new edge `T0 → T3` (new edge 3); it is "
            + "tainted (IGNORE: it continues without it — unless it runs again, and the edge, armed then, fires when it finishes)."),
                "\(twice.map(\.text))")
        #expect(twice.map(\.text).contains { $0.hasSuffix("(one that finished before, too, is also tainted, as above).") }, "\(twice.map(\.text))")
    }

    /// A removed edge whose destination gains an edge from a node that always finished before the
    /// removed edge's source started: that edge starts it in none of the waiting flows.
    @Test func aReplacementFromAnEarlierNodeIsNotSaidToStartTheDestinationInstead() throws {
        let chain = ["{from: , to: T0}"] + (0..<9).map { "{from: T\($0), to: T\($0 + 1)}" }
        let old = try Self.flow(chain)
        var edges = chain
        edges.remove(at: 5)
        edges.insert("{from: T0, to: T5}", at: 1)
        let new = try Self.flow(edges)
        let dropped = try Self.consequences(from: old, to: new).filter { $0.kind == .waitingEdgeDropped }.map(\.text)
        #expect(dropped == ["A flow waiting for `T4 → T5` (old edge 5: its source has not finished yet) stops waiting for it, untainted: "
            + "`T5` will not be started by it; the new edge `T0 → T5` (new edge 1) starts `T5` in none of these flows: `T0` always "
            + "finishes before `T4` starts, so the new edge taints them instead (below)."], "\(dropped)")
        // From a node on another branch (T9 may still be running where T4 waits), it does start T5 instead.
        let parallel = try Self.flow(["{from: , to: [T0, T9]}"] + (0..<4).map { "{from: T\($0), to: T\($0 + 1)}" } + ["{from: T4, to: T5}"])
        let rejoined = try Self.flow(["{from: , to: [T0, T9]}"] + (0..<4).map { "{from: T\($0), to: T\($0 + 1)}" } + ["{from: T9, to: T5}"])
        let instead = try Self.consequences(from: parallel, to: rejoined).filter { $0.kind == .waitingEdgeDropped }.map(\.text)
        #expect(instead.count == 1 && instead[0].hasSuffix("the new edge `T9 → T5` (new edge 5) starts `T5` instead once all of its "
            + "sources have finished, in flows where one of them is yet to finish (an edge is armed when one of its sources finishes)."),
                "\(instead)")
        // A fallback starts its node after the failed nodes started, not finished.
        let fallback = try Self.flow(chain, extra: "    failures:\n      - {nodes: [T1], fallback: [T4]}\n")
        let fallbackNew = try Self.flow(edges, extra: "    failures:\n      - {nodes: [T1], fallback: [T4]}\n")
        let viaFallback = try Self.consequences(from: fallback, to: fallbackNew).filter { $0.kind == .waitingEdgeDropped }.map(\.text)
        #expect(viaFallback.count == 1 && viaFallback[0].contains("`T0` always finishes before `T4` starts"), "\(viaFallback)")
    }

    /// A node that two edges start has finished, before it starts, only what both ways finished:
    /// an added edge from one way may still start a removed edge's destination instead.
    @Test func aNodeStartedTwoWaysHasFinishedOnlyWhatBothWaysFinished() throws {
        let old = try Self.flow(["{from: , to: [T0, T1]}", "{from: T0, to: T2}", "{from: T1, to: T2}", "{from: T2, to: T3}"])
        let new = try Self.flow(["{from: , to: [T0, T1]}", "{from: T0, to: T2}", "{from: T1, to: T2}", "{from: T0, to: T3}"])
        let dropped = try Self.consequences(from: old, to: new).filter { $0.kind == .waitingEdgeDropped }.map(\.text)
        #expect(dropped.count == 1 && dropped[0].hasSuffix("the new edge `T0 → T3` (new edge 3) starts `T3` instead once all of its "
            + "sources have finished, in flows where one of them is yet to finish (an edge is armed when one of its sources finishes)."),
                "\(dropped)")
    }

    /// A removed edge whose condition is not known may have been waiting on a condition that was false.
    @Test func aRemovedEdgeWithAnUnknownConditionMayHaveHadAFalseOne() throws {
        let migration = Migration(flows: ["f": EdgeMigration(translation: [1: nil])], strategy: .ignore)
        let old = ["f": [ReviewedEdge(from: [], to: ["A"], condition: nil), ReviewedEdge(from: ["A"], to: ["B"], condition: nil)]]
        let review = MigrationReviewer.review(version: 1, migration: migration, old: old, new: nil)
        let waiting = try #require(review.flows.first).consequences.filter { $0.kind == .waitingEdgeDropped }.map(\.text)
        #expect(waiting.count == 1 && waiting[0].hasPrefix("A flow waiting for `A → B` (old edge 1: its source has not finished yet, "
            + "or its condition was false when it did) stops waiting for it"), "\(waiting)")
    }

    /// With one configuration known the review does not say that none was available.
    @Test func oneKnownSideIsNotReportedAsNoConfiguration() throws {
        let migration = try Self.migration(2)
        let old = MigrationReviewer.edges(of: try Self.configuration(2)), new = MigrationReviewer.edges(of: try Self.configuration(3))
        let none = "no configuration was available"
        for (old, new) in [(old, nil), (nil, new)] as [(MigrationReviewer.FlowEdges?, MigrationReviewer.FlowEdges?)] {
            let review = MigrationReviewer.review(version: 2, migration: migration, old: old, new: new)
            #expect(!review.limitations.contains { $0.hasPrefix(none) }, "\(review.limitations)")
        }
        #expect(MigrationReviewer.review(version: 2, migration: migration, old: nil, new: nil).limitations.contains { $0.hasPrefix(none) })
    }

    /// A side whose edge count differs from the one the file records is not the configuration it
    /// was generated from: said, and not used.
    @Test func aSideWithAnotherEdgeCountIsNotUsed() throws {
        let counts = try JSONParser().parse(Array(#"{"edge_counts": {"f": {"old": 3, "new": 3}}}"#.utf8))
        let migration = Migration(flows: ["f": EdgeMigration(translation: [1: 2, 2: 1])], strategy: .ignore, metadata: counts)
        let two = ["f": [ReviewedEdge(from: [], to: ["A"], condition: nil), ReviewedEdge(from: ["A"], to: ["B"], condition: nil)]]
        for (side, old, new) in [("old", two, nil), ("new", nil, two)] as [(String, MigrationReviewer.FlowEdges?, MigrationReviewer.FlowEdges?)] {
            let review = MigrationReviewer.review(version: 1, migration: migration, old: old, new: new)
            #expect(review.limitations.contains("flow 'f' has 2 edges in the \(side) configuration given, the migration says 3: not used"),
                    "\(review.limitations)")
            #expect(review.flows.first?.rows.allSatisfy { $0.edge == nil } == true)
        }
    }

    /// A review shows a flow of `maximumEdgesPerFlow` edges, not one more; an index of `Int.max`
    /// claims more than any flow has.
    @Test func theEdgeLimitOfAReviewIsInclusive() throws {
        let limit = MigrationReviewer.maximumEdgesPerFlow
        let migration = Migration(flows: ["at": EdgeMigration(translation: [limit - 1: nil]), "over": EdgeMigration(translation: [limit: nil]),
                                          "most": EdgeMigration(translation: [Int.max: nil])], strategy: .ignore)
        let flows = Dictionary(uniqueKeysWithValues: MigrationReviewer.review(version: 1, migration: migration, old: nil, new: nil).flows.map { ($0.flow, $0) })
        #expect(flows["at"]?.edgesNotShown == nil && flows["at"]?.rows.count == limit)
        #expect(flows["over"]?.summary == "edges not shown: the file names \(limit + 1)")
        #expect(flows["most"]?.summary == "edges not shown: the file names more than any flow has")
    }

    /// `renumbered` in the JSON says whether the index moved, also for an edge that changed.
    @Test func aChangedEdgeThatMovedIsRenumberedInTheJSON() throws {
        var row = try #require(try Self.review(2).flows.flatMap(\.rows).first { $0.change == .renumbered })
        row.change = .changed
        #expect(row.jsonValue["change"] == .string("changed"))
        #expect(row.jsonValue["renumbered"] == .bool(true))
    }

    /// A running sub-flow the migration removes: what happens depends on the strategy.
    @Test(arguments: [(TaintedFlowStrategy.retry, "is tainted and will be RETRIED (restarted from the beginning)"),
                      (.fail, "is tainted and will be FAILED"),
                      (.ignore, "is tainted (IGNORE) and goes on, but `notification_flow` is removed")])
    func aRemovedRunningSubflowFollowsTheStrategy(_ strategy: TaintedFlowStrategy, _ fate: String) throws {
        var migration = try Self.migration(3)
        migration.strategy = strategy
        let review = MigrationReviewer.review(version: 3, migration: migration, old: MigrationReviewer.edges(of: try Self.configuration(3)),
                                              new: MigrationReviewer.edges(of: try Self.configuration(4)))
        let removed = review.flows.flatMap(\.consequences).filter { $0.kind == .subflowRemoved }
        #expect(!removed.isEmpty && removed.allSatisfy { $0.text.contains("is still running " + fate) }, "\(removed.map(\.text))")
    }

    @Test func consequencesNameEdgesAndStrategies() throws {
        let review = try Self.review(2)
        let texts = review.flows.flatMap(\.consequences).map(\.text)
        #expect(texts.contains("A flow that already ran `ScanLicences → FlagUnknownLicence` (old edge 2) is tainted and will be RETRIED (restarted from the beginning)."))
        #expect(texts.contains { $0.hasPrefix("A flow in which all of `ComputeDigests`, `VerifySignature`") && $0.contains("will be RETRIED") })
        let ignore = try Self.review(3).flows.flatMap(\.consequences)
        #expect(ignore.contains { $0.kind == .firedRemovedEdge && $0.text.hasSuffix("(IGNORE: the edge is gone).") })
        #expect(ignore.contains { $0.kind == .flowRemoved && $0.strategy == .fail })
    }
}

/// A side derived through later migrations carries a later configuration's conditions: they are
/// unknown in the review, which shows the other side's (the one it knows) instead.
struct DerivedSideTests {
    static func flow(_ edges: String) throws -> Configuration {
        try ConfigurationDiffTests.load(nodes: ConfigurationDiffTests.nodes, flows: "flow-definitions:\n  - name: f\n    edges:\n" + edges)
    }

    @Test func aDerivedSideShowsNoConditionItDoesNotKnow() throws {
        let start = "      - {from: , to: A}\n"
        let v1 = try Self.flow(start + "      - {from: A, to: B, condition: {name: argsFieldExist, args: {key: old_cond}}}\n")
        let v2 = try Self.flow(start + "      - {from: A, to: C}\n      - {from: A, to: B, condition: {name: argsFieldExist, args: {key: mid_cond}}}\n")
        let v3 = try Self.flow(start + "      - {from: A, to: C}\n      - {from: C, to: B}\n      - {from: A, to: B}\n")
        let first = MigrationDiffer().plan(from: v1, to: v2, strategy: .ignore).migration
        let second = MigrationDiffer().plan(from: v2, to: v3, strategy: .ignore).migration
        let after = MigrationReviewer.oldEdges(from: MigrationReviewer.edges(of: v3), through: second)
        let review = MigrationReviewer.review(version: 1, migration: first, old: MigrationReviewer.edges(of: v1), new: after,
                                              derived: (old: false, new: true))
        let row = try #require(review.flows.first?.rows.first { $0.oldIndex == 1 })
        #expect(row.newIndex == 2 && row.new?.condition == nil, "v3's condition is not the one after migration 1: \(row)")
        let text = ReviewText.render(review)
        #expect(text.contains("renumbered  A → B        argsFieldExist(old_cond)\n"), "\(text)")
        #expect(review.limitations.contains { $0.hasPrefix("the configuration after the migration was derived") }, "\(review.limitations)")
        // Both sides derived: nothing known, and said of both.
        let both = MigrationReviewer.review(version: 1, migration: first, old: MigrationReviewer.oldEdges(from: after, through: first),
                                            new: after, derived: (old: true, new: true))
        let unknown = try #require(both.flows.first?.rows.first { $0.oldIndex == 1 })
        #expect(unknown.old?.condition == nil && unknown.new?.condition == nil)
        #expect(ReviewText.render(both).contains("renumbered  A → B        ?\n"), "\(ReviewText.render(both))")
        #expect(both.limitations.contains { $0.hasPrefix("the configurations before and after the migration were derived") }, "\(both.limitations)")
    }
}
