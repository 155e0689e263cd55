/// Deterministic synthetic Selinon configurations for benchmarks: `flows` flows of `edges` edges
/// over a shared pool of tasks, with conditions on about a third of the edges.
struct SyntheticConfiguration {
    var flows: Int
    var edges: Int
    var seed: UInt64

    /// A small deterministic generator (SplitMix64), so runs compare like with like.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    var nodesFile: String {
        var text = "tasks:\n"
        for task in 0..<edges { text += "  - name: Task\(task)\n    import: bench.tasks\n" }
        text += "flows:\n"
        for flow in 0..<flows { text += "  - flow\(flow)\n" }
        return text
    }

    /// One file with every flow definition.
    var flowsFile: String {
        var generator = Generator(state: seed)
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
