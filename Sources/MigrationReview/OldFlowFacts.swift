import FlowConfig

/// What the review of a migration needs to know of an old flow beyond its edges, to say only
/// what can happen to flows started under it: the nodes its dispatcher never tracks (`nowait`:
/// never active, never finished in a state), and which nodes have always finished by the time
/// another one starts.
struct OldFlowFacts {
    /// The flow's `nowait` nodes.
    let untracked: Set<String>
    /// The nodes of the new flow that no flow started under the old one ever runs (only a new
    /// starting edge, which such flows never run, leads to them); empty when the new flow is not
    /// known.
    let neverRun: Set<String>
    /// The nodes the old flow's edges and fallbacks start.
    let started: Set<String>
    /// The nodes the new flow's fallbacks start; `nil` when the new flow is not known.
    let newFallbacks: Set<String>?
    private let edges: [Edge]
    private let failures: [FailureDefinition]

    init(_ flow: FlowDefinition, new: FlowDefinition? = nil) {
        untracked = Set(flow.nowait)
        edges = flow.edges
        failures = flow.failures
        started = Set(flow.edges.flatMap(\.to)).union(flow.failures.flatMap(\.fallback.nodes))
        newFallbacks = new.map { Set($0.failures.flatMap(\.fallback.nodes)) }
        neverRun = new.map { Self.nodesNeverRun(old: flow, new: $0) } ?? []
    }

    /// The nodes of `new` outside what a flow started under `old` can run: the old flow's nodes,
    /// and what the new edges (not starting ones) and fallbacks start from them, to a fixed point.
    private static func nodesNeverRun(old: FlowDefinition, new: FlowDefinition) -> Set<String> {
        var runs = Set(old.edges.flatMap(\.to)).union(old.failures.flatMap(\.fallback.nodes))  // (``started``)
        var grew = true
        while grew {
            grew = false
            for edge in new.edges where !edge.from.isEmpty && edge.from.allSatisfy(runs.contains) {
                for node in edge.to where runs.insert(node).inserted { grew = true }
            }
            for failure in new.failures where failure.nodes.allSatisfy(runs.contains) {
                for node in failure.fallback.nodes where runs.insert(node).inserted { grew = true }
            }
        }
        return Set(new.edges.flatMap { $0.from + $0.to }).subtracting(runs)
    }

    /// The nodes that run at most once in a flow: started one way only (one edge, or one
    /// fallback) from nodes that run at most once themselves — not on a cycle, not started again
    /// by a second edge. Only of these can "finished before" hold for every run.
    func runningOnce() -> Set<String> {
        var ways: [String: [[String]]] = [:]
        for edge in edges where !edge.from.contains(where: untracked.contains) {
            // (A `foreach` edge starts its destinations once per item: several instances.)
            for node in edge.to { ways[node, default: []] += edge.foreach == nil ? [edge.from] : [edge.from, edge.from] }
        }
        for failure in failures {
            for node in failure.fallback.nodes { ways[node, default: []].append(failure.nodes) }
        }
        var once = Set<String>()
        var grew = true
        while grew {
            grew = false
            for (node, starts) in ways where !once.contains(node) && starts.count == 1 && starts[0].allSatisfy(once.contains) {
                once.insert(node)
                grew = true
            }
        }
        return once
    }

    /// For every node the flow can start, the nodes that have finished in every run by the time
    /// it starts. A node starts when an edge to it fires — all of the edge's sources finished,
    /// each after what it needed — or as a fallback, after its failed nodes started (they did not
    /// finish). The greatest fixed point, so that cycles do not make a node its own prerequisite;
    /// conditions only keep edges from firing, which takes nothing away. Edges from `nowait`
    /// nodes never fire.
    func finishedBeforeStart() -> [String: Set<String>] {
        // nil: not yet bounded (every node).
        var needed: [String: Set<String>?] = [:]
        var ways: [(to: [String], after: ([String: Set<String>?]) -> Set<String>?)] = []
        func union(_ sources: [String], including: Bool, _ needed: [String: Set<String>?]) -> Set<String>? {
            var result: Set<String> = including ? Set(sources) : []
            for source in sources {
                guard case let known?? = needed[source] else { return nil }
                result.formUnion(known)
            }
            return result
        }
        for edge in edges where !edge.from.contains(where: untracked.contains) {
            ways.append((edge.to, { needed in edge.from.isEmpty ? [] : union(edge.from, including: true, needed) }))
        }
        for failure in failures {
            ways.append((failure.fallback.nodes, { needed in union(failure.nodes, including: false, needed) }))
        }
        var changed = true
        while changed {
            changed = false
            var next: [String: Set<String>?] = [:]
            for way in ways {
                guard let after = way.after(needed) else { continue }
                for node in way.to {
                    let current = next[node] ?? nil
                    next[node] = .some(current.map { $0.intersection(after) } ?? after)
                }
            }
            for (node, value) in next where needed[node] != value {
                needed[node] = value
                changed = true
            }
        }
        return needed.compactMapValues { $0 }
    }
}
