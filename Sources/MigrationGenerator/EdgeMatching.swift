import FlowConfig

/// Pairs the edges of an old and a new version of one flow.
///
/// Two passes, each edge paired at most once and ties broken by index: first edges equal in
/// sources, destinations *and* condition (compared as Python compares values: `1`, `1.0` and
/// `true` are equal), then the remaining ones equal in sources and destinations. Selinon pairs
/// in one pass ignoring conditions, which pairs the wrong edges when a flow has several edges
/// between the same nodes with different conditions (defect D-5).
/// Linear in the number of edges: candidates are looked up by their precomputed hash, not
/// scanned (only edges whose 64-bit hashes collide share a chain).
struct EdgeMatching {
    /// The new index paired with each old index (`nil`: the old edge has no counterpart).
    private(set) var newIndexForOld: [Int?]
    /// The old index paired with each new index (`nil`: the new edge is added).
    private(set) var oldIndexForNew: [Int?]
    /// Per old index: whether its pairing ignored a different condition (the second pass).
    private(set) var pairedDespiteCondition: [Bool]

    init(old: [NormalizedEdge], new: [NormalizedEdge]) {
        newIndexForOld = Array(repeating: nil, count: old.count)
        oldIndexForNew = Array(repeating: nil, count: new.count)
        pairedDespiteCondition = Array(repeating: false, count: old.count)
        pass(old: old, new: new, secondPass: false)
        pass(old: old, new: new, secondPass: true)
    }

    /// One pass: by `fullHash` and ``NormalizedEdge/sameKey(as:)``, or in the second pass by
    /// `shapeHash` and ``NormalizedEdge/sameShape(as:)``.
    private mutating func pass(old: [NormalizedEdge], new: [NormalizedEdge], secondPass: Bool) {
        let unpairedNew = oldIndexForNew.lazy.filter { $0 == nil }.count
        guard unpairedNew > 0 else { return }
        // The unpaired new edges of each hash as a chain in ascending index order: `first` holds
        // the head of every chain, `following[i]` the index after `i` (-1 at the end). Paired
        // edges are unlinked, so a chain's head is the candidate an old edge takes.
        var first: [UInt64: Int] = Dictionary(minimumCapacity: unpairedNew)
        var following = Array(repeating: -1, count: new.count)
        for index in new.indices.reversed() where oldIndexForNew[index] == nil {
            let edgeHash = secondPass ? new[index].shapeHash : new[index].fullHash
            following[index] = first.updateValue(index, forKey: edgeHash) ?? -1
        }
        for oldIndex in old.indices where newIndexForOld[oldIndex] == nil {
            let edgeHash = secondPass ? old[oldIndex].shapeHash : old[oldIndex].fullHash
            guard let head = first[edgeHash] else { continue }
            var previous = -1, candidate = head
            while candidate >= 0
                && !(secondPass ? old[oldIndex].sameShape(as: new[candidate]) : old[oldIndex].sameKey(as: new[candidate])) {
                previous = candidate
                candidate = following[candidate]
            }
            guard candidate >= 0 else { continue }
            if previous < 0 { first[edgeHash] = following[candidate] } else { following[previous] = following[candidate] }
            newIndexForOld[oldIndex] = candidate
            oldIndexForNew[candidate] = oldIndex
            if secondPass { pairedDespiteCondition[oldIndex] = true }
        }
    }
}
