import FlowConfig

/// Pairs the edges of an old and a new version of one flow.
///
/// Two passes, each edge paired at most once and ties broken by index: first edges equal in
/// sources, destinations *and* condition (compared as Python compares values: `1`, `1.0` and
/// `true` are equal), then the remaining ones equal in sources and destinations. Selinon pairs in one pass ignoring conditions, which pairs the wrong edges when
/// a flow has several edges between the same nodes with different conditions (defect D-5).
/// Linear in the number of edges: candidates are looked up by key, not scanned.
struct EdgeMatching {
    /// New index for every paired old index.
    private(set) var newIndexForOld: [Int: Int] = [:]
    /// Old index for every paired new index.
    private(set) var oldIndexForNew: [Int: Int] = [:]
    /// Paired old indices whose pairing ignored a different condition (the second pass).
    private(set) var pairedDespiteCondition: Set<Int> = []

    init(old: [NormalizedEdge], new: [NormalizedEdge]) {
        pass(old: old, new: new, key: \.full, secondPass: false)
        pass(old: old, new: new, key: \.shape, secondPass: true)
    }

    private mutating func pass<Key: Hashable>(old: [NormalizedEdge], new: [NormalizedEdge],
                                              key: (NormalizedEdge) -> Key, secondPass: Bool) {
        var candidates: [Key: [Int]] = [:]
        for (index, edge) in new.enumerated() where oldIndexForNew[index] == nil {
            candidates[key(edge), default: []].append(index)
        }
        // Each list is in ascending index order; consume it from the front.
        var next: [Key: Int] = [:]
        for (oldIndex, edge) in old.enumerated() where newIndexForOld[oldIndex] == nil {
            let edgeKey = key(edge)
            guard let list = candidates[edgeKey] else { continue }
            let position = next[edgeKey, default: 0]
            guard position < list.count else { continue }
            next[edgeKey] = position + 1
            let newIndex = list[position]
            newIndexForOld[oldIndex] = newIndex
            oldIndexForNew[newIndex] = oldIndex
            if secondPass { pairedDespiteCondition.insert(oldIndex) }
        }
    }
}
