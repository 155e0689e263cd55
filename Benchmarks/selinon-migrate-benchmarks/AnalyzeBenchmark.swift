import FlowConfig
import FlowEngine

/// Reachable-state enumeration speed: a synthetic flow of 40 tasks in four parallel lanes,
/// enumerated up to `maxStates` states.
enum AnalyzeBenchmark {
    static func run(tasks: Int, maxStates: Int, repetitions: Int) {
        let flow = syntheticFlow(tasks: tasks)
        let configuration = Configuration(nodesFile: "benchmark.yml", flowFiles: [], tasks: [], storages: [], global: GlobalSettings(),
                                          flowNames: [flow.name], flows: [flow.name: flow])
        var result = ReachableStates(engine: FlowDispatcher(flow: flow, of: configuration), options: .init(maxStates: maxStates))
        let time = Measurement.median(repetitions) {
            result = ReachableStates(engine: FlowDispatcher(flow: flow, of: configuration), options: .init(maxStates: maxStates))
        }
        let rate = Double(result.states.count) / Measurement.seconds(time)
        print("\(tasks) tasks, \(flow.edges.count) edges: \(result.states.count) reachable states\(result.isBounded ? " (bounded)" : "") "
            + "in \(Measurement.format(time)) = \(Int(rate.rounded())) states/s")
    }

    /// Four lanes of tasks run side by side (`L0-0 → L0-1 → …`); every third step of a lane
    /// also waits for the lane next to it (a two-source edge), and every fourth edge has a
    /// condition.
    static func syntheticFlow(tasks: Int) -> FlowDefinition {
        let location = FileLocation(file: "benchmark.yml", line: 1, column: 1)
        let condition = Condition.predicate(PredicateCall(name: "fieldExist", arguments: [], location: location))
        let lanes = 4, length = max(1, tasks / lanes)
        var edges: [Edge] = [Edge(index: 0, from: [], to: (0..<lanes).map { "L\($0)-0" }, location: location)]
        for step in 1..<length {
            for lane in 0..<lanes {
                var from = ["L\(lane)-\(step - 1)"]
                if step % 3 == 0 { from.append("L\((lane + 1) % lanes)-\(step - 1)") }
                edges.append(Edge(index: edges.count, from: from, to: ["L\(lane)-\(step)"],
                                  condition: edges.count % 4 == 0 ? condition : nil, location: location))
            }
        }
        return FlowDefinition(name: "benchmark_flow", edges: edges, location: location)
    }
}
