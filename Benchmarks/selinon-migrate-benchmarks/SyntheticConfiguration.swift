import FlowEngine

/// Deterministic synthetic Selinon configurations for benchmarks: `flows` flows of `edges` edges
/// over a shared pool of tasks, with conditions on about a third of the edges.
struct SyntheticConfiguration {
    var flows: Int
    var edges: Int
    var seed: UInt64


    var nodesFile: String {
        var text = "tasks:\n"
        for task in 0..<edges { text += "  - name: Task\(task)\n    import: bench.tasks\n" }
        text += "flows:\n"
        for flow in 0..<flows { text += "  - flow\(flow)\n" }
        return text
    }

    /// One file with every flow definition.
    var flowsFile: String {
        var generator = SeededGenerator(seed: seed)
        var text = "flow-definitions:\n"
        for flow in 0..<flows {
            text += "  - name: flow\(flow)\n    edges:\n      - from:\n        to: Task0\n"
            for edge in 1..<edges {
                let first = generator.below(edge)
                let second = generator.below(edge)
                let from = first == second ? "Task\(first)" : "[Task\(min(first, second)), Task\(max(first, second))]"
                text += "      - from: \(from)\n        to: Task\(edge)\n"
                if generator.below(3) == 0 {
                    text += "        condition:\n          name: argsFieldEqual\n          args: {key: mode, value: m\(generator.below(5))}\n"
                }
            }
        }
        return text
    }
}

extension SeededGenerator {
    /// A number in `0..<bound` (the benchmarks' configurations depend on exactly this sequence).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
