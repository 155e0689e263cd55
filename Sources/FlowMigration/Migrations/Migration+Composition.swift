/// Composing consecutive migrations into the single migration with the same effect, to compare
/// a series of files with a direct diff of their end points.
extension EdgeMigration {
    /// The migration that does what `self` and then `next` do, for a flow that had `edgeCount`
    /// edges before `self` (the count tells old edges from edges `self` added).
    ///
    /// An old edge removed by either is removed (and tainted, with the record of the migration
    /// that removed it); an edge added by `self` that survives `next` is still added, at its
    /// final index. (A direct diff may pair an edge that was removed and re-added identically;
    /// the composition keeps it removed.)
    public func followed(by next: EdgeMigration, edgeCount: Int) -> EdgeMigration {
        var result = EdgeMigration()
        for old in 0..<edgeCount {
            let middle: Int?
            if let mapped = translation[old] { middle = mapped } else { middle = old }
            guard let middle else {
                result.translation[old] = .some(nil)
                if let edge = taintedEdges[old] { result.taintedEdges[old] = edge }
                continue
            }
            let final: Int?
            if let mapped = next.translation[middle] { final = mapped } else { final = middle }
            guard let final else {
                result.translation[old] = .some(nil)
                if let edge = next.taintedEdges[middle] { result.taintedEdges[old] = edge }
                continue
            }
            if final != old { result.translation[old] = final }
        }
        result.taintingNodes = next.taintingNodes
        for (added, sources) in taintingNodes {
            let final: Int?
            if let mapped = next.translation[added] { final = mapped } else { final = added }
            if let final, result.taintingNodes[final] == nil { result.taintingNodes[final] = sources }
        }
        return result
    }
}

extension Migration {
    /// The per-flow effect of `migrations` applied in order (strategies and metadata aside), for
    /// flows with `edgeCounts` edges before the first migration.
    public static func composedEffect(of migrations: [Migration], edgeCounts: [String: Int]) -> [String: EdgeMigration] {
        var flows: [String: EdgeMigration] = [:]
        for (name, count) in edgeCounts {
            var composed = EdgeMigration()
            for migration in migrations {
                composed = composed.followed(by: migration.flows[name] ?? EdgeMigration(), edgeCount: count)
            }
            if !composed.isEmpty { flows[name] = composed }
        }
        return flows
    }
}
