import FlowMigration
import Testing

struct CompositionTests {
    static let condition: JSONValue = .object(["name": .string("alwaysTrue")])

    @Test func renumberingsChain() {
        // [∅→A, A→B, A→C] → insert X at 1 → reorder the last two.
        let first = EdgeMigration(translation: [1: 2, 2: 3], taintingNodes: [1: ["A"]])
        let second = EdgeMigration(translation: [2: 3, 3: 2])
        let composed = first.followed(by: second, edgeCount: 3)
        // A→B (old 1) ends at 3; A→C (old 2) ends where it started.
        #expect(composed.translation == [1: 3])
        #expect(composed.taintingNodes == [1: ["A"]])
    }

    @Test func removalsAnywhereTaintTheOldEdge() {
        let removeFirst = TaintedEdge(from: ["A"], to: ["B"], condition: Self.condition)
        let removeLater = TaintedEdge(from: ["A"], to: ["C"], condition: Self.condition)
        let first = EdgeMigration(translation: [1: nil, 2: 1], taintedEdges: [1: removeFirst])
        let second = EdgeMigration(translation: [1: nil], taintedEdges: [1: removeLater])
        let composed = first.followed(by: second, edgeCount: 3)
        #expect(composed.translation == [1: nil, 2: nil])
        #expect(composed.taintedEdges == [1: removeFirst, 2: removeLater])
    }

    @Test func anAddedEdgeFollowsLaterRenumberingOrDisappears() {
        let first = EdgeMigration(taintingNodes: [3: ["B"], 4: ["C"]])
        let second = EdgeMigration(translation: [3: 5, 4: nil], taintedEdges: [4: TaintedEdge(from: ["C"], to: ["D"], condition: Self.condition)])
        let composed = first.followed(by: second, edgeCount: 3)
        #expect(composed.taintingNodes == [5: ["B"]])
        #expect(composed.translation.isEmpty, "edges 3 and 4 did not exist before the first migration")
    }

    @Test func composedEffectDropsFlowsThatEndUnchanged() {
        let there = Migration(flows: ["f": EdgeMigration(translation: [1: 2, 2: 1])], strategy: .ignore)
        let back = Migration(flows: ["f": EdgeMigration(translation: [1: 2, 2: 1])], strategy: .fail)
        #expect(Migration.composedEffect(of: [there, back], edgeCounts: ["f": 3]).isEmpty)
        #expect(Migration.composedEffect(of: [there], edgeCounts: ["f": 3]) == ["f": EdgeMigration(translation: [1: 2, 2: 1])])
    }
}
