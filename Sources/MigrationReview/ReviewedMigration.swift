import FlowMigration

/// What one migration does, for people: per changed flow, the old edges next to the new ones
/// and what happens to in-flight flows, plus the warnings recorded when it was generated and
/// what the review could not show. Built by ``MigrationReviewer``; rendered as text, Markdown,
/// JSON or Graphviz.
public struct ReviewedMigration: Sendable, Equatable {
    /// The migration's number (`N.json`).
    public var version: Int
    /// The strategy the file gives tainted flows.
    public var strategy: TaintedFlowStrategy
    /// Where the old and new configurations came from (`_meta.old` / `_meta.new`), if recorded.
    public var oldSource: String?
    public var newSource: String?
    /// The changed flows (and removed flows), by name.
    public var flows: [FlowReview]

    /// The flows for a summary, what matters most first: removed flows, then flows whose
    /// in-flight runs are tainted (FAIL before RETRY before IGNORE), then the rest; by name within.
    public var flowsBySeverity: [FlowReview] {
        func rank(_ flow: FlowReview) -> Int {
            if flow.isRemoved { return 0 }
            switch flow.consequences.compactMap(\.strategy).max() {
            case .fail?: return 1
            case .retry?: return 2
            case .ignore?: return 3
            case nil: return 4
            }
        }
        return flows.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }
    /// The warnings of `generate` (recorded in `_meta.warnings`).
    public var warnings: [String]
    /// What the review could not show, and why (for example: no configuration to name the
    /// destinations of added edges).
    public var limitations: [String]
    /// What changed in the flows besides their edges (`flow: change` — failures and fallbacks,
    /// `nowait`, `propagate_*`, …), when both configurations are known (``ConfigurationDiff``):
    /// no migration is needed for it, but the new workers run in-flight flows with it.
    public var otherChanges: [String] = []
}

/// One flow of a ``ReviewedMigration``.
public struct FlowReview: Sendable, Equatable {
    public var flow: String
    /// The migration removed the flow: its in-flight flows fail.
    public var isRemoved: Bool
    /// The edges, new order first, then the removed ones.
    public var rows: [EdgeRow]
    /// What happens to in-flight flows, in the order of the rows.
    public var consequences: [Consequence]
    /// What the migration does to every state the flow can reach, when it was analysed
    /// (`17 reachable states — 12 unchanged, 3 renumbered, 2 RETRY: e.g. Fetch finished`).
    public var reachableStates: String? = nil
    /// The same analysis for tools (`reachable`, `bounded`, `stopped_at`, `counts`, `examples`),
    /// shown by the JSON rendering.
    public var reachableStateFacts: JSONValue? = nil
    /// How many edges the migration names for the flow when they are more than a review shows
    /// (``MigrationReviewer/maximumEdgesPerFlow``): no rows are built then.
    public var edgesNotShown: Int? = nil

    /// Says, of what the review says added edges do to in-flight flows, which states the old
    /// configuration never reaches, once every state it reaches was migrated: an edge whose
    /// finished sources tainted none (`taintingEdges` holds those that did), one armed in none
    /// (`armedEdges`). Only a flow carried over from an earlier configuration (through an earlier
    /// migration, or an edit that needed none) can be in such a state, so the consequence stays.
    public mutating func settle(taintingEdges: Set<Int>, armedEdges: Set<Int>) {
        for index in consequences.indices {
            guard let edge = consequences[index].edge, let unreached = consequences[index].unreached else { continue }
            let met = switch consequences[index].kind {
            case .sourcesFinished: taintingEdges.contains(edge)
            case .edgeArmed: armedEdges.contains(edge)
            default: true
            }
            if !met { consequences[index].text += " " + unreached }
        }
    }

    /// `2 renumbered, 1 changed, 1 removed, 1 added` (the kinds present), or `flow removed`. An
    /// edge that moved and changed counts as renumbered and as changed, so the renumbered count
    /// is the one `generate` reports.
    public var summary: String {
        if isRemoved { return "flow removed" }
        if let edgesNotShown { return "edges not shown: the file names \(edgesNotShown == .max ? "more than any flow has" : "\(edgesNotShown)")" }
        let renumbered: Int = rows.filter(\.isRenumbered).count
        func count(_ change: EdgeRow.Change) -> Int { rows.filter { $0.change == change }.count }
        let counts: [(String, Int)] = [("renumbered", renumbered), ("changed", count(.changed)), ("removed", count(.removed)),
                                       ("added", count(.added))]
        let parts: [String] = counts.filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }
        return parts.isEmpty ? "no edge changes" : parts.joined(separator: ", ")
    }
}

/// One edge of a flow before and after a migration.
public struct EdgeRow: Sendable, Equatable {
    /// How the edge changed.
    public enum Change: String, Sendable, CaseIterable {
        /// Same edge, same index.
        case kept
        /// Same edge, another index (`3 → 4`).
        case renumbered
        /// Paired with its new version, but its condition or `foreach` differs.
        case changed
        /// No counterpart in the new configuration: a flow that already fired it is tainted.
        case removed
        /// No counterpart in the old configuration.
        case added
    }

    public var change: Change
    public var oldIndex: Int?
    public var newIndex: Int?
    /// The edge in the old configuration (nil for added edges, or when unknown).
    public var old: ReviewedEdge?
    /// The edge in the new configuration (nil for removed edges, or when unknown).
    public var new: ReviewedEdge?

    /// The edge shown for the row: the new one, else the old one.
    public var edge: ReviewedEdge? { new ?? old }

    /// The old edge, when it is translated to a new one with other sources or destinations (a
    /// translation edited by hand): not the row's ``edge``, and not to be passed off as it.
    public var replacedEdge: ReviewedEdge? {
        guard let old, let new, old.hasOtherEnds(than: new) else { return nil }
        return old
    }

    /// The row's edge for a table cell (`A → B`, `?` when unknown); both edges (`B → D ⇒ A → B`)
    /// when the old one is translated to a new one with other sources or destinations.
    public var edgeText: String {
        if let replaced = replacedEdge, let new { return replaced.display + " ⇒ " + new.display }
        return edge?.display ?? "?"
    }

    /// Whether the edge kept in the new configuration has another index there (whether or not
    /// it also changed).
    public var isRenumbered: Bool {
        guard let oldIndex, let newIndex else { return false }
        return oldIndex != newIndex
    }
}

/// What a migration does to in-flight flows of one flow, stated for people.
public struct Consequence: Sendable, Equatable {
    /// What the consequence is about.
    public enum Kind: String, Sendable {
        /// A flow that already fired a removed edge is tainted.
        case firedRemovedEdge = "fired-removed-edge"
        /// A flow whose sources of an added edge all finished is tainted.
        case sourcesFinished = "sources-finished"
        /// A flow whose sources of an added edge are running gets the edge armed.
        case edgeArmed = "edge-armed"
        /// Waiting and fired edges are renumbered.
        case renumbered
        /// A new starting edge: flows already started never run it (nothing taints them).
        case newStartingEdge = "new-starting-edge"
        /// The flow is gone: its in-flight flows fail.
        case flowRemoved = "flow-removed"
        /// A flow the migration file leaves out, with an edge whose condition, `foreach` or
        /// selective run changed in place: nothing is migrated, flows meet the new edge.
        case changedInPlace = "changed-in-place"
        /// A flow waiting for a removed edge (some of its sources finished, not all) stops waiting,
        /// untainted: the edge's destinations are not started by it (an added edge to them starts
        /// them where one of its sources is yet to finish).
        case waitingEdgeDropped = "waiting-edge-dropped"
        /// A removed edge started a sub-flow that is removed too: a flow in which that sub-flow is
        /// still running is tainted; under IGNORE it goes on and fails with the sub-flow, under
        /// RETRY it restarts without it.
        case subflowRemoved = "subflow-removed"
        /// The file translates an old edge to a new edge with other sources or destinations
        /// (`generate` never does; a hand edit can): states take one edge for another.
        case translatedToOtherEdge = "translated-to-other-edge"
        /// An added edge from a node the old flow did not track (`nowait`): flows that started the
        /// node before the deploy never run it, and nothing taints them.
        case untrackedSource = "untracked-source"
        /// An added edge from a node that no flow started under the old configuration runs (only
        /// new starting edges lead to it): it neither taints nor is armed in any of them.
        case sourceNeverRuns = "source-never-runs"
        /// A fallback of the old flow starts a flow the migration removes: a flow in which that
        /// fallback is still running fails with it, whatever the strategy (nothing taints it).
        case fallbackRemoved = "fallback-removed"

        /// Whether a consequence of this kind names its edge by the old index (what a removed or
        /// translated edge does) rather than the new one (what an added edge does).
        public var numbersOldEdges: Bool {
            switch self {
            case .firedRemovedEdge, .waitingEdgeDropped, .subflowRemoved, .translatedToOtherEdge: true
            case .sourcesFinished, .edgeArmed, .newStartingEdge, .untrackedSource, .sourceNeverRuns, .renumbered, .flowRemoved,
                 .changedInPlace, .fallbackRemoved: false
            }
        }
    }

    public var kind: Kind
    /// The edge concerned: the old index for a removed edge, the new one for an added edge
    /// (``Kind/numbersOldEdges``).
    public var edge: Int?
    /// The strategy that applies to the tainted flows (nil when no flow is tainted).
    public var strategy: TaintedFlowStrategy?
    /// The sentence, as Markdown: names and edges are code spans (``MarkdownText/plain(_:)``
    /// reads it as plain text, as the text and JSON renderings show it).
    public var text: String
    /// For a consequence of an added edge (``Kind/sourcesFinished``, ``Kind/edgeArmed``): what
    /// is added to it when no state the old configuration reaches meets it
    /// (``FlowReview/settle(taintingEdges:armedEdges:)``).
    public var unreached: String? = nil
}
